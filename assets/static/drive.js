/* Drive: progressive enhancements (instant voting, similar ideas) will live here. */
