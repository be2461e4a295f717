/* Drive: progressive enhancements.  Every page works without this file:
   voting without reload, similar ideas while typing a title, and a
   confirmation before deleting.  Texts come from data attributes. */
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

  /* Similar ideas while a new idea's title is typed. */
  const title = document.getElementById('title');
  const box = document.getElementById('similar-live');
  if (!title || !box || !window.fetch) return;
  const ds = box.dataset;
  let timer = 0, last = '', ctl = null;

  function el(tag, cls, text) {
    const n = document.createElement(tag);
    if (cls) n.className = cls;
    if (text != null) n.textContent = text;
    return n;
  }

  function show(ideas) {
    box.textContent = '';
    if (!ideas.length) return;
    box.append(el('p', 'similar-live-head', ds.heading + ' ' + ds.advice));
    const ul = el('ul', 'similar-list');
    for (const i of ideas.slice(0, 5)) {
      const li = el('li');
      const a = el('a', null, i.title);
      a.href = '/ideas/' + encodeURIComponent(i.id);
      const label = box.getAttribute('data-st-' + i.status);
      const n = Number(i.vote_count) || 0;
      li.append(a, ' ');
      if (label) li.append(el('span', 'badge s-' + i.status, label), ' ');
      li.append(el('span', 'similar-votes',
        n === 1 ? ds.voteOne : ds.votes.replace('{n}', n)));
      ul.append(li);
    }
    box.append(ul);
  }

  async function lookup() {
    const v = title.value.trim();
    if (v === last) return;
    last = v;
    if (ctl) ctl.abort();
    if (v.length < 5) { show([]); return; }
    ctl = new AbortController();
    try {
      const r = await fetch('/api/v1/ideas/similar?title=' + encodeURIComponent(v),
        {headers: json, credentials: 'same-origin', signal: ctl.signal});
      if (!r.ok) return;
      const d = await r.json();
      if (title.value.trim() === v) show(Array.isArray(d.ideas) ? d.ideas : []);
    } catch (e) { /* aborted or offline: keep what is shown */ }
  }

  title.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(lookup, 250);
  });
})();
