-- The areas for the filter (app/ideas.c, q_areas).
SELECT slug, CASE WHEN :lang = 'de' THEN name_de ELSE name_en END
 FROM areas WHERE retired_at IS NULL ORDER BY position, id;
