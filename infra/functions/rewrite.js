// CloudFront Function (cloudfront-js-2.0), viewer request: maps pretty URLs to the index.html
// objects that `myblog build` writes, because S3 behind OAC has no directory index.
// `/posts/x/` and `/posts/x` -> `/posts/x/index.html`; `/` -> `/index.html`.
// A last path segment with a dot is a file (`/css/site.3f2a9c0d1b.css`, `/feed.xml`) and is
// left alone. The URI stays percent-encoded as CloudFront received it (S3 decodes it when it
// looks up the key), and the query string is a separate field that is never touched.
// `/.myblog/` holds the deploy's own bookkeeping (the remote manifest): not for readers.
// A URI that cannot be decoded (a malformed or non-UTF-8 escape) is refused with 400: what S3
// would make of it cannot be checked here, so it is not forwarded.
function handler(event) {
    var request = event.request;
    var uri = request.uri;
    if (typeof uri !== 'string' || uri.length === 0 || uri.charAt(0) !== '/') {
        return request;
    }
    var plain = decoded(uri);
    if (plain === null) {
        return { statusCode: 400, statusDescription: 'Bad Request' };
    }
    if (isBookkeeping(plain)) {
        return { statusCode: 404, statusDescription: 'Not Found' };
    }
    if (uri.charAt(uri.length - 1) === '/') {
        request.uri = uri + 'index.html';
        return request;
    }
    var last = uri.substring(uri.lastIndexOf('/') + 1);
    if (last.indexOf('.') === -1) {
        request.uri = uri + '/index.html';
    }
    return request;
}

// The URI arrives as the viewer sent it, still percent-encoded, and S3 decodes it: so
// `/%2Emyblog/` must be caught too, on the decoded form. null when it does not decode.
function decoded(uri) {
    try {
        return decodeURIComponent(uri);
    } catch (e) {
        return null;
    }
}

function isBookkeeping(plain) {
    var lower = plain.toLowerCase();
    return lower.indexOf('/.myblog/') !== -1 || lower.slice(-8) === '/.myblog';
}
