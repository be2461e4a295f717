/* Drive: progressive enhancements.  Every page works without this file:
   voting without reload and a confirmation before deleting.  Texts come
   from data attributes.  The similar ideas while a new idea's title is
   typed are similar.js, loaded by that form alone. */
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
    const f = e.target;
    const b = e.submitter;
    if (!(f instanceof HTMLFormElement)) return;
    if (f.dataset.confirm && !window.confirm(f.dataset.confirm)) {
      e.preventDefault();
    } else if (f.dataset.confirm) {
      /* Confirmed here: the server's own confirmation step (the page
         that works without JavaScript) is not needed again. */
      const c = document.createElement('input');
      c.type = 'hidden';
      c.name = 'confirm';
      c.value = '1';
      f.appendChild(c);
    } else if (b && b === plain) {
      plain = null;
    } else if (b && b.parentElement.classList.contains('vote') && window.fetch) {
      e.preventDefault();
      vote(b);
    }
  });
})();
