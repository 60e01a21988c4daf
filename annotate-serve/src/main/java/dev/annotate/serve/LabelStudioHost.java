package dev.annotate.serve;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/**
 * The Label Studio instance the backend is a client of: where uploaded images and project exports are downloaded
 * from, with {@code Authorization: Token <token>}. The host and token {@code /setup} gives replace the configured
 * ones. Downloads follow no redirect and are bounded in size; nothing is fetched from any other host.
 */
final class LabelStudioHost {

    private final Optional<URI> configuredHost;
    private final Optional<String> configuredToken;
    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(10)).build();
    /** The host and token the last {@code /setup} gave, if any. */
    private volatile Optional<URI> setupHost = Optional.empty();
    private volatile Optional<String> setupToken = Optional.empty();

    LabelStudioHost(Optional<URI> host, Optional<String> token) {
        host.ifPresent(LabelStudioHost::origin);
        this.configuredHost = host;
        this.configuredToken = token;
    }

    /** What {@code /setup} named: a host (an http(s) URL; refused otherwise) and a token, each when not blank. */
    void setup(String hostname, String token) throws Refused {
        if (!hostname.isBlank()) {
            try {
                URI host = URI.create(hostname.strip());
                origin(host);
                setupHost = Optional.of(host);
            } catch (IllegalArgumentException e) {
                throw new Refused(400, "hostname '" + hostname + "' is not an http(s) URL: " + e.getMessage());
            }
        }
        if (!token.isBlank()) {
            setupToken = Optional.of(token);
        }
    }

    /** The host images and exports come from now, if one is known. */
    Optional<URI> host() {
        return setupHost.or(() -> configuredHost);
    }

    /** Where project {@code id}'s JSON export is downloaded from. */
    URI projectExport(String id) throws IOException {
        URI host = host().orElseThrow(() -> new IOException("no Label Studio host to download the project from:"
                + " set LABEL_STUDIO_URL"));
        return host.resolve("/api/projects/" + id + "/export?exportType=JSON");
    }

    /**
     * The URL an image reference names on this host: a path ({@code /data/upload/...}) resolved against it, or an
     * http(s) URL on it.
     *
     * @throws Refused (400) for another scheme or no known host, (403) for a URL on another host
     */
    URI imageUrl(String reference) throws Refused {
        Optional<URI> host = host();
        URI url;
        try {
            url = reference.startsWith("/") ? host.map(h -> h.resolve(reference)).orElseThrow(() -> new Refused(400,
                    "image '" + reference + "' is on Label Studio, and no Label Studio host is known: set"
                            + " LABEL_STUDIO_URL, or give the local-files folder")) : URI.create(reference);
        } catch (IllegalArgumentException e) {
            throw new Refused(400, "image '" + reference + "' is not a URL: " + e.getMessage());
        }
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new Refused(400, "image '" + reference + "': " + (scheme.isEmpty() ? "a path" : scheme + " URLs")
                    + " are not read; this backend reads files under its local-files folder and fetches from the"
                    + " Label Studio host only");
        }
        if (host.isEmpty() || !origin(host.get()).equals(origin(url))) {
            throw new Refused(403, "image URL " + url + " is not on the Label Studio host"
                    + host.map(h -> " " + origin(h)).orElse(" (none is known)") + "; this backend fetches from no other"
                    + " host");
        }
        return url;
    }

    /**
     * GETs {@code url} (on this host: callers check with {@link #imageUrl}, or build it with
     * {@link #projectExport}) into {@code file} with the token.
     *
     * @param limit the most bytes accepted
     * @throws IOException for a status other than 200, a body over the limit, or the network's error
     */
    void download(URI url, Path file, long limit) throws IOException {
        HttpRequest.Builder request = HttpRequest.newBuilder(url).timeout(Duration.ofMinutes(5)).GET();
        setupToken.or(() -> configuredToken).ifPresent(t -> request.header("Authorization", "Token " + t));
        HttpResponse<InputStream> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted fetching " + url);
        }
        try (InputStream in = response.body(); OutputStream out = Files.newOutputStream(file)) {
            if (response.statusCode() != 200) {
                throw new IOException(url + " answered HTTP " + response.statusCode());
            }
            byte[] buffer = new byte[1 << 16];
            long total = 0;
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                total += n;
                if (total > limit) {
                    throw new IOException(url + " is larger than the " + limit + " bytes this backend fetches");
                }
                out.write(buffer, 0, n);
            }
        }
    }

    /** {@code scheme://host:port} of an http(s) URL, the port made explicit. */
    static String origin(URI url) {
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("http") || scheme.equals("https")) || url.getHost() == null) {
            throw new IllegalArgumentException(url + " is not an http(s) URL with a host");
        }
        int port = url.getPort() >= 0 ? url.getPort() : scheme.equals("https") ? 443 : 80;
        return scheme + "://" + url.getHost().toLowerCase(Locale.ROOT) + ":" + port;
    }
}
