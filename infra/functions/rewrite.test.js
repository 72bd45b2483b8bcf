'use strict';
// Tests the viewer-request CloudFront Function with node's own test runner:
//   node --test infra/functions/
// The function file is evaluated the way CloudFront does it: a plain script in a fresh context
// without `require`, `module` or `process`, and its top-level `handler` is called with viewer
// request events shaped like the ones CloudFront sends (event structure version 1.0).

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');

const SOURCE = fs.readFileSync(path.join(__dirname, 'rewrite.js'), 'utf8');

function loadHandler() {
    const sandbox = vm.createContext({});
    vm.runInContext(SOURCE, sandbox, { filename: 'rewrite.js' });
    assert.equal(typeof sandbox.handler, 'function', 'rewrite.js must define a top-level function handler(event)');
    return sandbox.handler;
}

const handler = loadHandler();

// A viewer-request event as CloudFront Functions receive it.
function viewerRequest(uri, querystring = {}) {
    return {
        version: '1.0',
        context: {
            distributionDomainName: 'd111111abcdef8.cloudfront.net',
            distributionId: 'EDFDVBD6EXAMPLE',
            eventType: 'viewer-request',
            requestId: '4TyzHTaYWb1GX1qTfsHhEqV6HUDd_BzoBZnwfnvQc_1oF26ClkoUSEQ==',
        },
        viewer: { ip: '198.51.100.11' },
        request: {
            method: 'GET',
            uri,
            querystring,
            headers: {
                host: { value: 'blog.example.com' },
                accept: { value: 'text/html,application/xhtml+xml' },
                'accept-encoding': { value: 'br, gzip' },
            },
            cookies: {},
        },
    };
}

function rewrite(uri, querystring) {
    const event = viewerRequest(uri, querystring);
    const untouched = JSON.parse(JSON.stringify(event.request));
    const result = handler(event);
    // The function must forward the request (not answer itself) and change nothing but the URI.
    assert.equal(result.statusCode, undefined, `${uri}: must return the request, not a response`);
    assert.deepEqual({ ...result, uri: undefined }, { ...untouched, uri: undefined }, `${uri}: only uri may change`);
    return result;
}

test('the root maps to /index.html', () => {
    assert.equal(rewrite('/').uri, '/index.html');
});

test('a directory path with a trailing slash gets index.html', () => {
    assert.equal(rewrite('/posts/hello-world/').uri, '/posts/hello-world/index.html');
    assert.equal(rewrite('/tags/').uri, '/tags/index.html');
    assert.equal(rewrite('/page/2/').uri, '/page/2/index.html');
});

test('a path without a trailing slash and without an extension gets /index.html', () => {
    assert.equal(rewrite('/posts/hello-world').uri, '/posts/hello-world/index.html');
    assert.equal(rewrite('/archive').uri, '/archive/index.html');
});

test('a dot in an earlier segment does not make the last one a file', () => {
    assert.equal(rewrite('/v1.2/notes').uri, '/v1.2/notes/index.html');
    assert.equal(rewrite('/.well-known/').uri, '/.well-known/index.html');
});

test('the deploy bookkeeping under /.myblog/ is not served', () => {
    for (const uri of ['/.myblog/manifest.json', '/.myblog/', '/.myblog', '/blog/.myblog/manifest.json', '/%2Emyblog/manifest.json', '/%2emyblog%2Fmanifest.json', '/%2EMYBLOG/manifest.json']) {
        const result = handler(viewerRequest(uri));
        assert.equal(result.statusCode, 404, uri);
        assert.equal(result.uri, undefined, 'a response, not a request: ' + uri);
    }
    assert.equal(rewrite('/posts/myblog/').uri, '/posts/myblog/index.html');
    assert.equal(rewrite('/posts/.myblogger/').uri, '/posts/.myblogger/index.html');
});

test('a URI that does not decode is refused with 400, never forwarded', () => {
    for (const uri of [
        // The guard used to fail open here: the malformed escape made it check the raw text.
        '/%2emyblog/manifest.json%ff',
        '/%2Emyblog/manifest.json%',
        '/%2e%2emyblog%2fmanifest.json%zz',
        '/posts/%E0%A4%A/',
        '/posts/%',
        '/posts/%4',
        '/posts/%G1',
        '/%C0%AE%C0%AEmyblog/manifest.json',
        '/%ED%A0%80/',
        '/media/cat.jpg%',
    ]) {
        const result = handler(viewerRequest(uri));
        assert.equal(result.statusCode, 400, uri);
        assert.equal(result.uri, undefined, 'a response, not a request: ' + uri);
    }
});

test('every percent-encoded spelling of the bookkeeping folder is hidden', () => {
    for (const uri of [
        '/%2emyblog/manifest.json',
        '/%2E%6D%79%62%6C%6F%67/manifest.json',
        '/%2emyblog',
        '/%2emyblog%2F',
        '/posts/..%2f%2emyblog%2fmanifest.json',
        '/.MyBlog/lease.json',
    ]) {
        assert.equal(handler(viewerRequest(uri)).statusCode, 404, uri);
    }
    // Encoded twice, S3 decodes once: the key is the literal `%2emyblog/…`, not the bookkeeping.
    assert.equal(rewrite('/%252emyblog/x.json').uri, '/%252emyblog/x.json');
});

test('files with an extension are left untouched', () => {
    for (const uri of [
        '/css/site.3f2a9c0d1b.css',
        '/js/app.0123456789.js',
        '/atom.xml',
        '/sitemap.xml',
        '/robots.txt',
        '/favicon.ico',
        '/404.html',
        '/posts/hello-world/index.html',
        '/media/2024/cat.jpg',
        '/thumbs/cat-640.webp',
        '/.well-known/security.txt',
    ]) {
        assert.equal(rewrite(uri).uri, uri);
    }
});

test('query strings are kept exactly, single and multi-valued', () => {
    const qs = {
        utm_source: { value: 'newsletter' },
        tag: { value: 'rust', multiValue: [{ value: 'rust' }, { value: 'aws' }] },
    };
    const result = rewrite('/posts/hello-world/', JSON.parse(JSON.stringify(qs)));
    assert.equal(result.uri, '/posts/hello-world/index.html');
    assert.deepEqual(result.querystring, qs);

    const noSlash = rewrite('/posts/hello-world', { page: { value: '2' } });
    assert.equal(noSlash.uri, '/posts/hello-world/index.html');
    assert.deepEqual(noSlash.querystring, { page: { value: '2' } });

    const file = rewrite('/media/cat.jpg', { v: { value: '3' } });
    assert.equal(file.uri, '/media/cat.jpg');
    assert.deepEqual(file.querystring, { v: { value: '3' } });
});

test('percent-encoded unicode paths stay encoded and are rewritten by the same rules', () => {
    // "café", "日本" and "写真" as browsers send them (UTF-8, percent-encoded).
    assert.equal(rewrite('/posts/caf%C3%A9/').uri, '/posts/caf%C3%A9/index.html');
    assert.equal(rewrite('/tags/%E6%97%A5%E6%9C%AC').uri, '/tags/%E6%97%A5%E6%9C%AC/index.html');
    assert.equal(rewrite('/media/%E5%86%99%E7%9C%9F.jpg').uri, '/media/%E5%86%99%E7%9C%9F.jpg');
    // An encoded space or slash-like sequence is not special either.
    assert.equal(rewrite('/posts/hello%20world').uri, '/posts/hello%20world/index.html');
});

test('unencoded unicode (as some clients send it) is handled the same way', () => {
    assert.equal(rewrite('/posts/café').uri, '/posts/café/index.html');
    assert.equal(rewrite('/posts/日本/').uri, '/posts/日本/index.html');
    assert.equal(rewrite('/media/写真.jpg').uri, '/media/写真.jpg');
});

test('the source stays inside the cloudfront-js-2.0 subset: a plain script, no modules', () => {
    assert.doesNotMatch(SOURCE, /\brequire\s*\(/, 'CloudFront Functions have no require()');
    assert.doesNotMatch(SOURCE, /^\s*(import|export)\b/m, 'CloudFront Functions are not ES modules');
    assert.match(SOURCE, /^function handler\(event\)/m, 'CloudFront calls a top-level function handler(event)');
    // CloudFront Functions are limited to 10 KB of code.
    assert.ok(Buffer.byteLength(SOURCE, 'utf8') < 10 * 1024);
});
