package io.pansaar.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * One HTTP/1.1 request sent over a socket with its request target exactly as given: HTTP clients
 * normalize paths (collapse {@code //}, resolve {@code ..}) or refuse invalid ones (a lone {@code %}),
 * so a test of what the server does with such paths must write them itself.
 */
public final class RawHttp {

    private RawHttp() {
    }

    /** The answer: status, headers (names in lower case) and body as text. */
    public record Answer(int status, Map<String, String> headers, String body) {

        /** A header's value, or null when the answer has none. */
        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    /** Sends {@code method target} with the given headers (and a body when not null) and reads the whole answer. */
    public static Answer send(int port, String method, String target, Map<String, String> headers, String body) {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(30_000);
            StringBuilder request = new StringBuilder(method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1:" + port
                    + "\r\nConnection: close\r\n");
            headers.forEach((name, value) -> request.append(name).append(": ").append(value).append("\r\n"));
            byte[] content = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
            if (body != null) {
                request.append("Content-Length: ").append(content.length).append("\r\n");
            }
            request.append("\r\n");
            OutputStream out = socket.getOutputStream();
            out.write(request.toString().getBytes(StandardCharsets.UTF_8));
            out.write(content);
            out.flush();
            return parse(readAll(socket.getInputStream()));
        } catch (IOException e) {
            throw new UncheckedIOException("request " + method + " " + target + " failed", e);
        }
    }

    private static byte[] readAll(InputStream in) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        in.transferTo(all);
        return all.toByteArray();
    }

    private static Answer parse(byte[] raw) {
        String text = new String(raw, StandardCharsets.ISO_8859_1);
        int headEnd = text.indexOf("\r\n\r\n");
        if (headEnd < 0) {
            throw new IllegalStateException("not an HTTP answer: " + text);
        }
        String[] lines = text.substring(0, headEnd).split("\r\n");
        int status = Integer.parseInt(lines[0].split(" ")[1]);
        Map<String, String> headers = new TreeMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
        }
        // ISO-8859-1 maps each byte to one char, so chunk sizes in bytes are positions in this text.
        String body = text.substring(headEnd + 4);
        if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            body = dechunk(body);
        }
        return new Answer(status, headers, new String(body.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8));
    }

    private static String dechunk(String body) {
        StringBuilder content = new StringBuilder();
        int position = 0;
        while (true) {
            int lineEnd = body.indexOf("\r\n", position);
            int size = Integer.parseInt(body.substring(position, lineEnd).trim(), 16);
            if (size == 0) {
                return content.toString();
            }
            content.append(body, lineEnd + 2, lineEnd + 2 + size);
            position = lineEnd + 2 + size + 2;
        }
    }
}
