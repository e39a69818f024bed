package io.pansaar.redis;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.pansaar.testing.LocalRedisConnection;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;

/** The start-up check against a real Redis: one WARN for an allkeys-* policy, nothing otherwise or when refused. */
class EvictionPolicyCheckIT {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @RegisterExtension
    static final LocalRedisConnection CONNECTION = new LocalRedisConnection();

    @Test
    void anAllKeysPolicyIsLoggedAsOneWarningAndTheOthersAreNot() {
        List<LogRecord> warnings = new CopyOnWriteArrayList<>();
        Handler collector = new Handler() {
            @Override
            public void publish(LogRecord record) {
                if (record.getLevel().intValue() >= Level.WARNING.intValue()) {
                    warnings.add(record);
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger logger = Logger.getLogger(EvictionPolicyCheck.class.getName());
        logger.addHandler(collector);
        try {
            EvictionPolicyCheck check = new EvictionPolicyCheck(CONNECTION.redis());
            setPolicy("allkeys-lru");
            Optional<String> warning = check.warning().await().atMost(WAIT);
            assertTrue(warning.orElseThrow().contains("allkeys-lru"), warning.toString());
            check.checkAtStartup();
            await().atMost(WAIT).until(() -> !warnings.isEmpty());
            assertEquals(warning.get(), warnings.get(0).getMessage());

            assertEquals(1, warnings.size(), "one warning: " + warnings);

            for (String policy : List.of("volatile-lru", "volatile-lfu", "noeviction")) {
                setPolicy(policy);
                assertEquals(Optional.empty(), check.warning().await().atMost(WAIT), policy);
            }
        } finally {
            logger.removeHandler(collector);
            setPolicy("noeviction");
        }
    }

    @Test
    void saysNothingWhereConfigIsRefused() {
        // As on managed Redis services: this user may run every command but CONFIG.
        CONNECTION.redis().send(Request.cmd(Command.ACL).arg("SETUSER").arg("app").arg("on").arg(">app-secret").arg("~*").arg("&*")
                .arg("+@all").arg("-config")).await().atMost(WAIT);
        setPolicy("allkeys-lfu");
        Redis restricted = Redis.createClient(CONNECTION.vertx(),
                "redis://app:app-secret@127.0.0.1:" + CONNECTION.server().port());
        try {
            assertEquals("PONG", restricted.send(Request.cmd(Command.PING)).await().atMost(WAIT).toString());
            RuntimeException refused = assertThrows(RuntimeException.class,
                    () -> restricted.send(Request.cmd(Command.CONFIG).arg("GET").arg("maxmemory-policy"))
                            .await().atMost(WAIT));
            assertTrue(refused.getMessage().contains("NOPERM"), refused.getMessage());
            assertEquals(Optional.empty(),
                    new EvictionPolicyCheck(restricted).warning().await().atMost(WAIT));
        } finally {
            restricted.close();
            setPolicy("noeviction");
        }
    }

    private static void setPolicy(String policy) {
        CONNECTION.redis().send(Request.cmd(Command.CONFIG).arg("SET").arg("maxmemory-policy").arg(policy)).await().atMost(WAIT);
    }
}
