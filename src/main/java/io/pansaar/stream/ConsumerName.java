package io.pansaar.stream;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Optional;

/** Builds this process' consumer name: configured name, else pod (host) name, plus a random suffix. */
public final class ConsumerName {

    private static final SecureRandom RANDOM = new SecureRandom();

    private ConsumerName() {
    }

    /** {@code <pansaar.worker.name | $HOSTNAME | local host name>-<8 random hex digits>}. */
    public static String forThisProcess(Optional<String> configuredName) {
        String base = configuredName.filter(name -> !name.isBlank())
                .or(() -> Optional.ofNullable(System.getenv("HOSTNAME")).filter(name -> !name.isBlank()))
                .orElseGet(ConsumerName::localHostName);
        byte[] suffix = new byte[4];
        RANDOM.nextBytes(suffix);
        return base + "-" + HexFormat.of().formatHex(suffix);
    }

    private static String localHostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            // A container without a resolvable name still needs a consumer name; the suffix keeps it unique.
            return "pansaar-worker";
        }
    }
}
