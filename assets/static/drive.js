/* Drive: progressive enhancements.  Every page works without this file:
   voting without reload and a confirmation before deleting.  Texts come
   from data attributes.  The similar ideas while a new idea's title is
   typed are similar.js, loaded by that form alone. */
(() => {
  'use strict';
  const meta = document.querySelector('meta[name="csrf-token"]');
  const csrf = meta ? meta.content : '';
  const json = {Accept: 'application/json'};

  async function vote(form) {
    const btn = form.querySelector('button[data-idea]');
    const act = form.querySelector('input[name="action"]');
    if (!btn || !act || btn.getAttribute('aria-busy') === 'true') return;
    btn.setAttribute('aria-busy', 'true');
    try {
      const r = await fetch('/api/v1/ideas/' + encodeURIComponent(btn.dataset.idea) + '/vote', {
        method: act.value === 'withdraw' ? 'DELETE' : 'POST',
        headers: Object.assign({'X-CSRF-Token': csrf}, json),
        credentials: 'same-origin'
      });
      if (r.status !== 200) throw new Error(r.status);
      const d = await r.json();
      const on = d.voted === true;
      const count = form.querySelector('.vote-count');
      const word = btn.querySelector('.vote-word');
      if (count) count.textContent = String(d.vote_count);
      if (word) word.textContent = on ? btn.dataset.labelVoted : btn.dataset.labelVote;
      btn.setAttribute('aria-pressed', on ? 'true' : 'false');
      act.value = on ? 'withdraw' : 'cast';
    } catch (e) {
      /* The server shows the reason (closed, signed out, ...). */
      form.submit();
    } finally {
      btn.removeAttribute('aria-busy');
    }
  }

  document.addEventListener('submit', (e) => {
    const f = e.target;
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
    } else if (f.classList.contains('vote-form') && window.fetch) {
      e.preventDefault();
      vote(f);
    }
  });
})();
