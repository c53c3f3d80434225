'use strict';
// ci/book --check, the browser part: serves the built book on 127.0.0.1, opens every page in
// headless Chromium and watches it through the DevTools protocol (chrome-remote-interface,
// pinned in package-lock.json). Fails, listing every problem, on:
//   - a page or any file it loads (script, style, font, picture) that does not load,
//   - a JavaScript error (an uncaught exception, console.error, a browser error entry),
//   - a picture that does not decode, or an expected picture missing from its page,
//   - an internal link to a missing file, or to an anchor (#id) its page does not have,
//   - an `{{#include` (or `{{#exercise`) left unexpanded on a page, or Markdown shown as
//     text (a heading or code fence swallowed by an HTML block),
//   - speaker notes that show before the top bar's toggle is pressed, or not after.
// Saves a screenshot of every page (the whole page; print.html its first screen) in the
// screenshots folder, and one of the first page with its speaker notes shown.
//
// Usage: node check.js --book DIR --screenshots DIR --chromium PATH [--expect-image PAGE=SRC]...
// (BOOK_CHECK_TIMES=1 prints when each page had loaded.)

const CDP = require('chrome-remote-interface');
const fs = require('fs');
const http = require('http');
const os = require('os');
const path = require('path');
const { spawn } = require('child_process');

const PAGE_TIMEOUT_MS = 20000;
const TOTAL_TIMEOUT_MS = 110000;

function parseArgs(argv) {
    const args = { expectImages: [] };
    for (let i = 0; i < argv.length; i += 2) {
        const [key, value] = [argv[i], argv[i + 1]];
        if (value === undefined) fail(`${key} needs a value`);
        if (key === '--book') args.book = path.resolve(value);
        else if (key === '--screenshots') args.screenshots = path.resolve(value);
        else if (key === '--chromium') args.chromium = value;
        else if (key === '--expect-image') {
            const [page, src] = value.split('=');
            if (!src) fail(`--expect-image ${value}: give PAGE=SRC`);
            args.expectImages.push({ page, src });
        } else fail(`unknown argument ${key}`);
    }
    for (const key of ['book', 'screenshots', 'chromium']) {
        if (!args[key]) fail(`--${key} is required`);
    }
    if (!fs.existsSync(path.join(args.book, 'index.html'))) {
        fail(`${args.book}/index.html: no built book there (run ci/book first)`);
    }
    return args;
}

function fail(message) {
    console.error(`book check: error: ${message}`);
    process.exit(2);
}

const TYPES = {
    '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css',
    '.json': 'application/json', '.svg': 'image/svg+xml', '.png': 'image/png',
    '.jpg': 'image/jpeg', '.woff': 'font/woff', '.woff2': 'font/woff2', '.ttf': 'font/ttf',
    '.txt': 'text/plain; charset=utf-8', '.py': 'text/plain; charset=utf-8',
    '.c': 'text/plain; charset=utf-8', '.md': 'text/plain; charset=utf-8',
};

// The file a URL path names in the book folder, or null when there is none.
function bookFile(book, urlPath) {
    let rel = decodeURIComponent(urlPath).replace(/^\/+/, '');
    if (rel === '' || rel.endsWith('/')) rel += 'index.html';
    const file = path.resolve(book, rel);
    if (!file.startsWith(book + path.sep) && file !== book) return null;
    return fs.existsSync(file) && fs.statSync(file).isFile() ? file : null;
}

function serve(book) {
    const server = http.createServer((req, res) => {
        const file = bookFile(book, new URL(req.url, 'http://127.0.0.1').pathname);
        if (!file) {
            res.writeHead(404, { 'content-type': 'text/plain' });
            res.end('not found');
            return;
        }
        res.writeHead(200, { 'content-type': TYPES[path.extname(file)] || 'application/octet-stream' });
        fs.createReadStream(file).pipe(res);
    });
    return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

function htmlPages(book) {
    const pages = [];
    const walk = (dir) => {
        for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
            const full = path.join(dir, entry.name);
            if (entry.isDirectory()) walk(full);
            else if (entry.name.endsWith('.html')) pages.push(path.relative(book, full).split(path.sep).join('/'));
        }
    };
    walk(book);
    // 404.html is shown for missing pages; toc.html is the sidebar's frame for readers
    // without JavaScript. Both are loaded too: they must work as well.
    return pages.sort((a, b) => (a === 'index.html' ? -1 : b === 'index.html' ? 1 : a.localeCompare(b)));
}

async function startChromium(chromium) {
    const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'book-check-chromium-'));
    const flags = [
        '--headless', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync',
        '--disable-default-apps', '--disable-extensions', '--no-default-browser-check',
        `--user-data-dir=${profile}`, '--remote-debugging-address=127.0.0.1',
        '--remote-debugging-port=0', '--window-size=1280,900', '--hide-scrollbars',
    ];
    // Chromium's sandbox refuses to run as root.
    if (process.getuid && process.getuid() === 0) flags.push('--no-sandbox');
    const child = spawn(chromium, [...flags, 'about:blank'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => { stderr = (stderr + d).slice(-4000); });
    const portFile = path.join(profile, 'DevToolsActivePort');
    const deadline = Date.now() + 30000;
    while (!fs.existsSync(portFile) || fs.readFileSync(portFile, 'utf8').split('\n').length < 2) {
        if (child.exitCode !== null) fail(`${chromium} exited (${child.exitCode}):\n${stderr}`);
        if (Date.now() > deadline) {
            child.kill('SIGKILL');
            fail(`${chromium} did not open its DevTools port within 30 s:\n${stderr}`);
        }
        await new Promise((r) => setTimeout(r, 100));
    }
    const port = Number(fs.readFileSync(portFile, 'utf8').split('\n')[0]);
    return { child, port, profile };
}

// Collected in the page, after it has loaded.
function pageFacts() {
    const ids = Array.from(document.querySelectorAll('[id]'), (e) => e.id)
        .concat(Array.from(document.querySelectorAll('a[name]'), (e) => e.getAttribute('name')));
    const links = Array.from(document.querySelectorAll('a[href]'), (a) => a.href);
    const images = Array.from(document.images, (img) => ({
        src: img.currentSrc || img.src, ok: img.complete && img.naturalWidth > 0,
    }));
    const text = document.body ? document.body.innerText : '';
    const unexpanded = (text.match(/[^\\\n]?\{\{#(include|exercise|rustdoc_include|playground)[^\n]*/g) || [])
        .filter((m) => !m.startsWith('\\'));
    // Markdown that reached the page as text (a heading or a fence swallowed by an HTML
    // block that was not closed by a blank line), outside code.
    const raw = [];
    const main = document.querySelector('main') || document.body;
    const walker = document.createTreeWalker(main, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        if (node.parentElement.closest('pre, code, script, style')) continue;
        const m = node.textContent.match(/(^|\n)\s*(#{1,6} \S|```)[^\n]*/);
        if (m) raw.push(m[0].trim());
    }
    const notes = Array.from(document.querySelectorAll('.speaker-notes'));
    return {
        title: document.title, ids, links, images, unexpanded, raw,
        notes: notes.length, notesShown: notes.filter((n) => n.offsetParent !== null).length,
        toggle: !!document.getElementById('speaker-notes-toggle'),
    };
}

async function evaluate(client, fn) {
    const { result, exceptionDetails } = await client.Runtime.evaluate({
        expression: `(${fn})()`, returnByValue: true, awaitPromise: true,
    });
    if (exceptionDetails) throw new Error(exceptionDetails.text);
    return result.value;
}

async function screenshot(client, file, wholePage) {
    let clip;
    if (wholePage) {
        const { cssContentSize } = await client.Page.getLayoutMetrics();
        clip = { x: 0, y: 0, width: 1280, height: Math.min(Math.ceil(cssContentSize.height), 12000), scale: 1 };
    }
    const { data } = await client.Page.captureScreenshot({
        format: 'png', captureBeyondViewport: wholePage, ...(clip ? { clip } : {}),
    });
    fs.writeFileSync(file, Buffer.from(data, 'base64'));
}

async function main() {
    const args = parseArgs(process.argv.slice(2));
    const t0 = Date.now();
    const timer = setTimeout(() => fail(`the check took more than ${TOTAL_TIMEOUT_MS / 1000} s`), TOTAL_TIMEOUT_MS);
    fs.mkdirSync(args.screenshots, { recursive: true });
    const server = await serve(args.book);
    const origin = `http://127.0.0.1:${server.address().port}`;
    const chromium = await startChromium(args.chromium);
    const problems = [];
    const facts = new Map();
    let client;
    try {
        const target = await CDP.New({ host: '127.0.0.1', port: chromium.port, url: 'about:blank' });
        client = await CDP({ host: '127.0.0.1', port: chromium.port, target });
        const { Page, Runtime, Network, Log, Emulation } = client;
        await Promise.all([Page.enable(), Runtime.enable(), Network.enable(), Log.enable()]);
        await Emulation.setDeviceMetricsOverride({ width: 1280, height: 900, deviceScaleFactor: 1, mobile: false });
        // Speaker notes start hidden, as for an attendee: no stored choice.
        await Network.setCacheDisabled({ cacheDisabled: true });

        let current = null;
        const report = (message) => problems.push(`${current}: ${message}`);
        const requests = new Map();
        Network.requestWillBeSent(({ requestId, request }) => requests.set(requestId, request.url));
        // A page without an icon link makes the browser ask for /favicon.ico by itself
        // (toc.html, the sidebar's frame): not a file the book refers to.
        const implicit = (url) => new URL(url).pathname === '/favicon.ico';
        Network.responseReceived(({ response }) => {
            if (response.status >= 400 && !implicit(response.url)) report(`${response.url} answered ${response.status}`);
        });
        Network.loadingFailed(({ requestId, errorText, canceled }) => {
            if (!canceled) report(`${requests.get(requestId) || requestId} did not load: ${errorText}`);
        });
        Runtime.exceptionThrown(({ exceptionDetails: d }) => {
            const what = d.exception && d.exception.description ? d.exception.description.split('\n')[0] : d.text;
            report(`JavaScript error: ${what} (${d.url || ''}:${d.lineNumber + 1})`);
        });
        Runtime.consoleAPICalled(({ type, args: values }) => {
            if (type === 'error' || type === 'assert') {
                report(`console.${type}: ${values.map((v) => v.value ?? v.description).join(' ')}`);
            }
        });
        Log.entryAdded(({ entry }) => {
            if (entry.level === 'error' && !(entry.url && implicit(entry.url))) report(`browser error: ${entry.text} ${entry.url || ''}`.trim());
        });

        for (const page of htmlPages(args.book)) {
            current = page;
            const loaded = Page.loadEventFired();
            const { errorText } = await Page.navigate({ url: `${origin}/${page}` });
            if (errorText) { report(`did not load: ${errorText}`); continue; }
            const timeout = new Promise((_, reject) => setTimeout(() => reject(new Error('no load event in 20 s')), PAGE_TIMEOUT_MS));
            try { await Promise.race([loaded, timeout]); } catch (e) { report(e.message); continue; }
            // Let late scripts (search index, highlighting) run and report.
            await new Promise((r) => setTimeout(r, 300));
            const f = await evaluate(client, pageFacts);
            facts.set(page, f);
            for (const img of f.images) if (!img.ok) report(`picture did not load: ${img.src}`);
            for (const u of f.unexpanded) report(`left unexpanded: ${u.trim()}`);
            for (const r of f.raw) report(`Markdown shown as text: ${r}`);
            if (f.notesShown > 0) report(`${f.notesShown} speaker notes shown before the toggle`);
            if (f.notes > 0 && !f.toggle) report('speaker notes but no toggle button');
            if (process.env.BOOK_CHECK_TIMES) console.log(`${page}: loaded at ${Date.now() - t0} ms`);
            const name = page.replace(/\//g, '_').replace(/\.html$/, '.png');
            await screenshot(client, path.join(args.screenshots, name), page !== 'print.html');

            if (page === 'index.html' && f.notes > 0) {
                // The toggle: one press shows every note, a second hides them again.
                const shown = await evaluate(client, () => {
                    document.getElementById('speaker-notes-toggle').click();
                    return Array.from(document.querySelectorAll('.speaker-notes')).filter((n) => n.offsetParent !== null).length;
                });
                if (shown !== f.notes) report(`the toggle showed ${shown} of ${f.notes} speaker notes`);
                await screenshot(client, path.join(args.screenshots, 'index-speaker-notes.png'), true);
                const after = await evaluate(client, () => {
                    document.getElementById('speaker-notes-toggle').click();
                    return Array.from(document.querySelectorAll('.speaker-notes')).filter((n) => n.offsetParent !== null).length;
                });
                if (after !== 0) report(`the second press left ${after} speaker notes shown`);
            }
        }

        // Internal links: the file must exist; an anchor must be an id on its page.
        current = 'links';
        let internal = 0;
        let external = 0;
        for (const [page, f] of facts) {
            for (const href of f.links) {
                const url = new URL(href);
                if (url.origin !== origin) { external += 1; continue; }
                internal += 1;
                const file = bookFile(args.book, url.pathname);
                if (!file) { problems.push(`${page}: broken link ${url.pathname}`); continue; }
                const target = path.relative(args.book, file).split(path.sep).join('/');
                const anchor = decodeURIComponent(url.hash.slice(1));
                // 404.html is shown at any address, so its links are relative to the book's
                // root (<base href>): its headings' own anchors point at the root.
                if (page === '404.html' && f.ids.includes(anchor)) continue;
                if (anchor && facts.has(target) && !facts.get(target).ids.includes(anchor)) {
                    problems.push(`${page}: broken anchor ${target}#${anchor}`);
                }
            }
        }
        for (const { page, src } of args.expectImages) {
            const f = facts.get(page);
            if (!f) { problems.push(`${page}: expected page not found`); continue; }
            if (!f.images.some((img) => img.ok && img.src.endsWith(`/${src}`))) {
                problems.push(`${page}: picture ${src} is not on the page (or did not load)`);
            }
        }
        const images = [...facts.values()].reduce((n, f) => n + f.images.length, 0);
        if (problems.length === 0) {
            console.log(`book check: ${facts.size} pages loaded in Chromium with no error; ${internal} internal links and anchors resolve (${external} external links not followed); ${images} pictures load; screenshots in ${path.relative(process.cwd(), args.screenshots)}/`);
        }
    } finally {
        if (client) await client.close().catch(() => {});
        server.closeAllConnections();
        server.close();
        clearTimeout(timer);
        // Chromium gets 3 s to quit on SIGTERM, then its profile folder is removed.
        const exited = new Promise((r) => chromium.child.once('exit', r));
        chromium.child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
        if (chromium.child.exitCode === null && chromium.child.signalCode === null) chromium.child.kill('SIGKILL');
        try { fs.rmSync(chromium.profile, { recursive: true, force: true }); } catch (e) { /* still closing */ }
    }
    if (problems.length > 0) {
        console.error(`book check: ${problems.length} problems:`);
        for (const p of problems) console.error(`  ${p}`);
    }
    process.exit(problems.length > 0 ? 1 : 0);
}

main().catch((e) => fail(e.stack || String(e)));
