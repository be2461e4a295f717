/* Drive: votes without a page load, for the pages with vote buttons (the
   list and an idea; their templates load this).  They work without it.
   The other enhancements are files of their own, loaded where they are
   used: confirm.js (a question before deleting), similar.js (similar
   ideas while a new idea's title is typed). */
(() => {
  'use strict';
  const json = {Accept: 'application/json'};

  /* A vote's count changes in place only here: read out when it does. */
  for (const p of document.querySelectorAll('.vote-total')) {
    p.setAttribute('aria-live', 'polite');
    p.setAttribute('aria-atomic', 'true');
  }

  /* A vote button (the button of a .vote, vote_box.html) posts its form
     to /ideas/<id>/vote with action=cast or withdraw; the API has the same
     path under /api/v1 and takes POST or DELETE.  The form around it
     carries the CSRF token and the button's words.  When the API cannot
     take the vote, the button is clicked again as `plain`, for the form
     to post. */
  let plain = null;

  async function vote(btn) {
    const box = btn.closest('.vote');
    const words = btn.closest('[data-label-vote]');
    const token = btn.form.elements.namedItem('csrf_token');
    if (!box || !words || !token || btn.getAttribute('aria-busy') === 'true') return;
    btn.setAttribute('aria-busy', 'true');
    try {
      const r = await fetch('/api/v1' + new URL(btn.formAction).pathname, {
        method: btn.value === 'withdraw' ? 'DELETE' : 'POST',
        headers: Object.assign({'X-CSRF-Token': token.value}, json),
        credentials: 'same-origin'
      });
      if (r.status !== 200) throw new Error(r.status);
      const d = await r.json();
      const on = d.voted === true;
      /* The count is the text after the hidden "Votes:". */
      const total = box.querySelector('.vote-total');
      if (total) total.lastChild.textContent = String(d.vote_count);
      btn.textContent = on ? words.dataset.labelVoted : words.dataset.labelVote;
      btn.setAttribute('aria-pressed', on ? 'true' : 'false');
      btn.value = on ? 'withdraw' : 'cast';
      btn.removeAttribute('aria-busy');
    } catch (e) {
      /* The server shows the reason (closed, signed out, ...): the
         button posts its form as it does without this file. */
      btn.removeAttribute('aria-busy');
      plain = btn;
      btn.click();
    }
  }

  document.addEventListener('submit', (e) => {
    const b = e.submitter;
    if (!b || !b.parentElement.classList.contains('vote') || !window.fetch) return;
    if (b === plain) {
      plain = null;
      return;
    }
    e.preventDefault();
    vote(b);
  });
})();
