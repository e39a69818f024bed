package io.pansaar.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import io.pansaar.key.ImageKey;
import io.pansaar.key.Partitioner;

/**
 * A reader registers for a key's next write only after its read missed, with the mark it took before the read: a
 * write announced in between must still wake it, at once.
 */
class ReadyNotificationsTest {

    private static final Duration SHORT = Duration.ofMillis(50);

    /** No subscription: announcements are delivered by hand, as the ready channels' subscriber would. */
    private final ReadyNotifications notifications = new ReadyNotifications(null, new Partitioner(16));
    private final ImageKey key = ImageKey.of("avatars/a.png");

    @Test
    void aWriteAnnouncedBetweenTheMarkAndTheRegistrationWakesTheReaderAtOnce() {
        long mark = notifications.mark();
        notifications.announced(key.value());
        assertTrue(awaited(notifications.register(key, mark)));
    }

    @Test
    void aWriteAnnouncedAfterTheRegistrationWakesTheReader() {
        long mark = notifications.mark();
        ReadyNotifications.Waiter waiter = notifications.register(key, mark);
        notifications.announced(key.value());
        assertTrue(awaited(waiter));
    }

    @Test
    void writesOfOtherKeysOrBeforeTheMarkDoNotWakeTheReader() {
        notifications.announced(key.value());
        long mark = notifications.mark();
        notifications.announced("avatars/b.png");
        notifications.announced("banners/a.png");
        assertFalse(awaited(notifications.register(key, mark)));
        assertEquals(0, notifications.waiting(), "the timed-out waiter is gone");
    }

    @Test
    void tooManyAnnouncementsSinceTheMarkToTellWakeTheReaderToReadAgain() {
        long mark = notifications.mark();
        for (int i = 0; i < ReadyNotifications.RECENT_ANNOUNCEMENTS; i++) {
            notifications.announced("avatars/other-" + i + ".png");
        }
        assertTrue(awaited(notifications.register(key, mark)));
    }

    @Test
    void theLatestAnnouncementsAreRememberedAcrossTheRingsWrap() {
        for (int i = 0; i < ReadyNotifications.RECENT_ANNOUNCEMENTS + 7; i++) {
            notifications.announced("avatars/earlier-" + i + ".png");
        }
        long mark = notifications.mark();
        for (int i = 0; i < ReadyNotifications.RECENT_ANNOUNCEMENTS - 2; i++) {
            notifications.announced(i == 500 ? key.value() : "avatars/later-" + i + ".png");
        }
        assertTrue(awaited(notifications.register(key, mark)));
        assertFalse(awaited(notifications.register(ImageKey.of("avatars/never.png"), mark)));
    }

    private static boolean awaited(ReadyNotifications.Waiter waiter) {
        return waiter.await(SHORT).await().atMost(Duration.ofSeconds(5));
    }
}
