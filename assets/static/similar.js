/* Drive: similar ideas while a new idea's title is typed (idea_fields.html
   loads this with the box it fills).  Without it the form asks "did you
   mean" after sending.  Texts come from the box's data attributes. */
(() => {
  'use strict';
  const json = {Accept: 'application/json'};

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
