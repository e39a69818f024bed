package io.pansaar.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Optional;

/**
 * The one name this process goes by: its consumer name in every job stream's group, the holder of the scheduler
 * leases it takes, and the name logs and {@code /api/status} show for it, so that an operator can follow one
 * worker from one place to the next. Minted once per process: a restarted worker is a new consumer, and the
 * random suffix keeps two pods of the same name apart.
 *
 * @param name {@code <pansaar.worker.name | $HOSTNAME | local host name>-<8 random hex digits>}
 */
public record WorkerIdentity(String name) {

    private static final SecureRandom RANDOM = new SecureRandom();

    /** Checks that the name is not blank. */
    public WorkerIdentity {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("a worker's name must not be blank");
        }
    }

    /** A new identity from the configured name, else the pod's (host's) name, plus a random suffix. */
    public static WorkerIdentity mint(Optional<String> configuredName) {
        String base = configuredName.filter(name -> !name.isBlank())
                .or(() -> Optional.ofNullable(System.getenv("HOSTNAME")).filter(name -> !name.isBlank()))
                .orElseGet(WorkerIdentity::localHostName);
        byte[] suffix = new byte[4];
        RANDOM.nextBytes(suffix);
        return new WorkerIdentity(base + "-" + HexFormat.of().formatHex(suffix));
    }

    private static String localHostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            // A container without a resolvable name still needs a consumer name; the suffix keeps it unique.
            return "pansaar-worker";
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
