/*
 * pager.js - a filter box and a pager for the console's long lists (the overview's units, the
 * task units; docs/office.md, "Paging"). The server writes every row into the page (each code
 * is on it as text) and marks the rows after the first page `hidden`, so the browser lays out
 * one page, not a county's thousands. The box keeps the rows whose text holds what is typed
 * (case-insensitive, over every row); the pager, between the box and the list so that Tab from
 * the box reaches it, walks the matches a page at a time and says which and how many.
 *
 * Loaded before console.js and admin.js; it changes nothing until one of them attaches it, and
 * puts every text in with textContent.
 */
(function () {
    'use strict';

    var EN = document.documentElement.lang === 'en';
    var PAGE_ROWS = 100; /* as PAGE_ROWS in office_console.c */
    var TEXT = {
        shown: ['找到 {n} / {total} 个', '{n} of {total} found'],
        page_rows: ['第 {from}–{to} 个（第 {page} / {pages} 页）', '{from}–{to} (page {page} of {pages})'],
        pager: ['列表分页', 'Pages of the list'],
        first: ['首页', 'First'],
        prev: ['上一页', 'Previous'],
        next: ['下一页', 'Next'],
        last: ['末页', 'Last']
    };
    function tr(k) {
        return TEXT[k][EN ? 1 : 0];
    }
    function el(tag, text, cls) {
        var e = document.createElement(tag);
        if (text)
            e.textContent = text;
        if (cls)
            e.className = cls;
        return e;
    }

    /* Attach a box and a pager to TABLE; ids ID-filter, ID-count, ID-pager; LABEL the box's. */
    function attach(table, id, label) {
        if (!table || !table.tBodies.length)
            return;
        var rows = Array.prototype.slice.call(table.tBodies[0].rows);
        var texts = rows.map(function (r) { return r.textContent.toLowerCase(); });
        var box = el('p', null, 'filter');
        var lab = box.appendChild(el('label', label + ' '));
        var input = lab.appendChild(el('input'));
        input.id = id + '-filter';
        input.type = 'search';
        input.autocomplete = 'off';
        var count = box.appendChild(el('span', null, 'count'));
        count.id = id + '-count';
        count.setAttribute('aria-live', 'polite');
        table.parentNode.insertBefore(box, table);
        var pager = el('nav', null, 'pager');
        pager.id = id + '-pager';
        pager.setAttribute('aria-label', tr('pager'));
        var first = pager.appendChild(el('button', tr('first')));
        var prev = pager.appendChild(el('button', tr('prev')));
        var where = pager.appendChild(el('span', null, 'where'));
        var next = pager.appendChild(el('button', tr('next')));
        var last = pager.appendChild(el('button', tr('last')));
        [first, prev, next, last].forEach(function (b) { b.type = 'button'; });
        table.parentNode.insertBefore(pager, table);
        var hits = [], page = 0, shownNow = [];
        function show() {
            var pages = Math.max(1, Math.ceil(hits.length / PAGE_ROWS));
            page = Math.min(Math.max(page, 0), pages - 1);
            var from = page * PAGE_ROWS, to = Math.min(hits.length, from + PAGE_ROWS);
            shownNow.forEach(function (i) { rows[i].hidden = true; });
            shownNow = hits.slice(from, to);
            shownNow.forEach(function (i) { rows[i].hidden = false; });
            count.textContent = ' ' + tr('shown').replace('{n}', String(hits.length))
                .replace('{total}', String(rows.length));
            where.textContent = hits.length ? tr('page_rows').replace('{from}', String(from + 1))
                .replace('{to}', String(to)).replace('{page}', String(page + 1))
                .replace('{pages}', String(pages)) : '';
            first.disabled = prev.disabled = page === 0;
            next.disabled = last.disabled = page >= pages - 1;
            pager.hidden = pages < 2;
        }
        function apply() {
            var q = input.value.trim().toLowerCase();
            hits = [];
            for (var i = 0; i < texts.length; i++)
                if (!q || texts[i].indexOf(q) >= 0)
                    hits.push(i);
            page = 0;
            show();
        }
        function go(p) {
            return function () { page = p(); show(); };
        }
        first.addEventListener('click', go(function () { return 0; }));
        prev.addEventListener('click', go(function () { return page - 1; }));
        next.addEventListener('click', go(function () { return page + 1; }));
        last.addEventListener('click', go(function () { return Infinity; }));
        /* the server showed the first page: those rows are what is shown now */
        rows.forEach(function (r, i) { if (!r.hidden) shownNow.push(i); });
        input.addEventListener('input', apply);
        apply();
    }

    window.QuejiePager = { attach: attach };
})();
