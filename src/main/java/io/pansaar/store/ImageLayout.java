package io.pansaar.store;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.pansaar.key.ImageKey;

/**
 * How an image is stored in Redis: the image hash {@code pansaar:{p}:img:<key>} holds two fields, {@code body} (the
 * bytes) and {@code meta}, every other value of the copy packed into one string: the values of {@link #META_FIELDS}
 * in this order, separated by line feeds, trailing empty values left off, an absent value empty. One packed field
 * instead of twenty saves about 70 bytes each, as a hash whose body is longer than {@code hash-max-listpack-value}
 * is a hash table. The Lua twin is META_FIELDS and decodeMeta in {@code redis/functions/shared.lua}; the vectors in
 * {@code src/test/resources/store/meta-vectors.txt} hold both to the same encoding.
 */
public final class ImageLayout {

    /**
     * The fields packed into meta, in their order: first what a reader needs; hits, access-score and last-access side
     * by side, as shared.lua's recordRequests replaces the three in place.
     */
    public static final List<String> META_FIELDS = List.of("status", "fresh-until", "content-type", "etag", "digest",
            "grace-until", "origin-failed-at", "stale-if-error-until", "fence", "fetched-at", "fresh-ttl", "hits",
            "access-score", "last-access", "size", "fetch-ms", "size-term", "half-life", "exposure", "changes",
            "last-modified");

    /** The positions in meta of the values a read needs, which come first: {@link #readerValues(String)}. */
    static final int STATUS = 0;
    static final int FRESH_UNTIL = 1;
    static final int CONTENT_TYPE = 2;
    static final int ETAG = 3;
    static final int DIGEST = 4;
    /** How many values {@link #readerValues(String)} gives. */
    static final int READER_VALUES = DIGEST + 1;

    /**
     * What Redis spends on a cached image beside its body's bytes and its key's copies, measured by
     * MemoryPerImageBenchmarkIT (docs/benchmarks.md); shared.lua's IMAGE_OVERHEAD_BYTES.
     */
    public static final int IMAGE_OVERHEAD_BYTES = 1053;

    /**
     * How many times an image's key is held: the image hash's name and its entries in priority, schedule, keys and
     * history; shared.lua's KEY_COPIES.
     */
    public static final int KEY_COPIES = 5;

    /**
     * Ranks in {@code pansaar:{p}:priority} from this up are the probationary stage's, each this plus the image's
     * admission time in ms, above every rank in ms; shared.lua's PROBATION_RANKS_FROM.
     */
    public static final double PROBATION_RANKS_FROM = 0x1p52;

    /** {@link #PROBATION_RANKS_FROM} as a score bound Redis reads: the ranks below it, main's, end just short of it. */
    public static final String BELOW_PROBATION = "(" + (long) PROBATION_RANKS_FROM;

    private ImageLayout() {
    }

    /** The values of a meta string, field name to value, empty values left out; empty for a null meta. */
    public static Map<String, String> decode(String meta) {
        Map<String, String> fields = new HashMap<>();
        if (meta == null) {
            return fields;
        }
        String[] values = meta.split("\n", -1);
        for (int i = 0; i < Math.min(values.length, META_FIELDS.size()); i++) {
            if (!values[i].isEmpty()) {
                fields.put(META_FIELDS.get(i), values[i]);
            }
        }
        return fields;
    }

    /**
     * The first {@link #READER_VALUES} values of a meta string, by position ({@link #STATUS} ... {@link #DIGEST}),
     * null where empty or absent; all null for a null meta. What a read needs, without splitting the whole string and
     * filling a map: a read is the hot path.
     */
    static String[] readerValues(String meta) {
        String[] values = new String[READER_VALUES];
        if (meta == null) {
            return values;
        }
        int start = 0;
        for (int i = 0; i < READER_VALUES && start <= meta.length(); i++) {
            int end = meta.indexOf('\n', start);
            if (end < 0) {
                end = meta.length();
            }
            if (end > start) {
                values[i] = meta.substring(start, end);
            }
            start = end + 1;
        }
        return values;
    }

    /**
     * A meta value that is a time in ms, a count or a fence, as a number; empty for anything else (absent, or mangled by
     * hand or by another tool into text, a fraction or an infinity), which the caller reads as not known. shared.lua's
     * metaWholeNumber reads the same values alike, and a few more forms no writer uses ({@code 1e3}, {@code +5}) as
     * numbers: a read judged unfresh here for one of those goes to pansaar_get, which judges it. A loop over the
     * characters rather than a pattern: a read parses fresh-until.
     */
    static Optional<Long> wholeNumber(String value) {
        if (value == null) {
            return Optional.empty();
        }
        int first = value.startsWith("-") ? 1 : 0;
        // At most 18 digits: never more than a long holds.
        return value.length() - first <= 18 && digitsFrom(value, first) ? Optional.of(Long.parseLong(value))
                : Optional.empty();
    }

    /**
     * A meta status as a copy holds it: {@code ok}, or the origin's three-digit status code of a remembered 404/410;
     * empty for anything else, absent or mangled, which counts as no copy (shared.lua's copyStatus).
     */
    static Optional<String> copyStatus(String value) {
        if ("ok".equals(value)) {
            return Optional.of(value);
        }
        return value != null && value.length() == 3 && digitsFrom(value, 0) ? Optional.of(value) : Optional.empty();
    }

    /** Whether {@code value} holds at least one character from {@code first} on, and only ASCII digits there. */
    private static boolean digitsFrom(String value, int first) {
        if (value.length() <= first) {
            return false;
        }
        for (int i = first; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    /**
     * What an image counts against the memory budget: its body's bytes, the overhead measured per image, and its
     * key held {@link #KEY_COPIES} times. The formula shared.lua's chargedBytes applies; the key's length is in
     * bytes, as Lua counts it.
     */
    public static long chargedBytes(int keyLengthInBytes, long bodyBytes) {
        return bodyBytes + IMAGE_OVERHEAD_BYTES + (long) KEY_COPIES * keyLengthInBytes;
    }

    /** {@link #chargedBytes(int, long)} of a copy of {@code key} whose body is {@code bodyBytes} long. */
    public static long chargedBytes(ImageKey key, long bodyBytes) {
        return chargedBytes(key.bytes().length, bodyBytes);
    }
}
