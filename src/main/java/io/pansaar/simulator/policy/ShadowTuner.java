package io.pansaar.simulator.policy;

import java.util.List;
import java.util.function.ObjDoubleConsumer;
import java.util.function.ToDoubleFunction;

import io.pansaar.simulator.trace.Request;

/**
 * Tunes one of {@code pansaar}'s settings to the trace while it replays: two shadow caches of the same capacity replay
 * every request, one with the setting divided by {@link #FACTOR} and one with it multiplied, and at the end of each
 * window the setting moves one factor towards the shadow that hit more bytes in it, once enough windows in a row agree,
 * and the shadows move with it. Hill climbing on shadow simulations, as
 * <a href="https://www.usenix.org/conference/atc17/technical-sessions/presentation/waldspurger">Waldspurger et al.,
 * ATC 2017</a> tune a cache's parameters on miniature ones.
 *
 * <p>The shadows replay eviction alone, whatever the tuned cache's freshness: the settings tuned decide which images
 * stay, and their bytes hit are what they are judged by.
 *
 * <p>They may replay a spatial sample of the keys instead, in caches scaled down by the share sampled, as Waldspurger
 * et al.'s miniature simulations do: production would hold the shadows in the heap of the worker that holds a
 * partition's lease. And they may be fed as production's scheduler can feed them, a tick at a time
 * ({@link #deliver}, {@link #tickEnded}), rather than request by request ({@link #record}). A window counts every
 * request of the trace, sampled or not, so that the setting moves as often whatever the share.
 *
 * <p>Or a window spans half-lives of clock time ({@link PansaarSettings.TunerWindow#HALF_LIVES}): production's
 * partitions see from 10 to 1,000 requests a second against a half-life of hours, so that a window of requests would
 * judge a sliver of a half-life. Its length is the starting half-life's, not the tuned one's: a window that grew with
 * the half-life it judges would judge more rarely the longer the half-life climbed, up to 64 times as rarely.
 *
 * <p>{@link PartitionTuner} holds the two tuners a partition needs, and moves each one's shadows with the other's value
 * where they follow it; the simulator's {@code pansaar-tuned} and production's scheduler both tune through it.
 */
final class ShadowTuner {

    /** How far one move takes the setting, and how far the shadows lie on either side of it. */
    static final double FACTOR = 1.5;

    /** A setting a tuner moves: its range, its window and how it is applied to a cache. */
    enum Knob {
        /**
         * The newcomer penalty, in half-lives, from almost none to a newcomer counting 2^-16 of a request. Windows of
         * 10,000 requests: with 1,000 the penalty reached 10.7 on AdaptSize at 5%, 1.2 points of byte hit ratio below
         * the fixed default. Its shadows take the tuned half-life, as a penalty is counted in half-lives.
         */
        NEWCOMER_PENALTY(10_000, 1, 1, settings -> 0.125, settings -> 16, PansaarSettings::newcomerPenalty,
                PansaarPolicy::newcomerPenalty),
        /**
         * The half-life, from a quarter of the setting's to 64 times it. Windows of 20,000 requests, and a move only
         * when two in a row agree: a short half-life wins the window in which the hot set moves and loses the replay
         * when scans follow (with windows of 10,000 and no agreement, Zipf with drift and scans at 1% fell from 40.8%
         * of bytes to 29.5). Its shadows keep the configured penalty, where the tuned one starts unless a lease holder
         * starts from its predecessor's: following the tuned one, which climbs to 16 on a stationary stretch, they
         * judged half-lives among caches that keep no newcomer, and on a Zipf trace whose hot set is replaced every
         * 20,000 requests the tuned cache lost 3.0 to 5.1 points of byte hit ratio.
         */
        HALF_LIFE(20_000, 2, 2, settings -> settings.halfLife() / PartitionTuner.HALF_LIFE_DIVISOR,
                settings -> settings.halfLife() * PartitionTuner.HALF_LIFE_MULTIPLIER,
                PansaarSettings::halfLife, PansaarPolicy::halfLife),
        /**
         * The share of the bytes a probationary FIFO holds ({@code pansaar-tuned-probation} only), from a quarter of
         * S3-FIFO's 10% to 40%: a stationary trace wants a small one, which keeps the bytes for the images ranked; a
         * hot set that rotates fast wants a large one, in which its new images are requested again before they leave.
         * Windows as the half-life's. Its shadows are the tuned cache with a smaller and a larger FIFO: they take the
         * tuned penalty and half-life.
         */
        PROBATION_SHARE(20_000, 2, 2, settings -> PartitionTuner.MIN_PROBATION_SHARE,
                settings -> PartitionTuner.MAX_PROBATION_SHARE,
                settings -> PansaarPolicy.PROBATION_SHARE, PansaarPolicy::probationShare);

        /** Requests per window, when windows count requests. */
        final long window;
        /**
         * Starting half-lives of clock time per window, when windows count time: as many as the requests per window
         * span on traces of one request per clock unit and a half-life of 10,000, where those windows were chosen.
         */
        final long halfLives;
        /** How many windows in a row must favour the same side before the setting moves. */
        final int agreeing;
        private final ToDoubleFunction<PansaarSettings> least;
        private final ToDoubleFunction<PansaarSettings> most;
        private final ToDoubleFunction<PansaarSettings> start;
        private final ObjDoubleConsumer<PansaarPolicy> setter;

        Knob(long window, long halfLives, int agreeing, ToDoubleFunction<PansaarSettings> least,
                ToDoubleFunction<PansaarSettings> most,
                ToDoubleFunction<PansaarSettings> start, ObjDoubleConsumer<PansaarPolicy> setter) {
            this.window = window;
            this.halfLives = halfLives;
            this.agreeing = agreeing;
            this.least = least;
            this.most = most;
            this.start = start;
            this.setter = setter;
        }

        /** Sets the value on a cache, from its next request on. */
        void apply(PansaarPolicy policy, double value) {
            setter.accept(policy, value);
        }

        /** Whether this knob's shadows take the tuned cache's value of {@code other} when that moves. */
        boolean shadowsFollow(Knob other) {
            return switch (this) {
                case NEWCOMER_PENALTY -> other == HALF_LIFE;
                case HALF_LIFE -> false;
                case PROBATION_SHARE -> other != PROBATION_SHARE;
            };
        }
    }

    private final Knob knob;
    private final double least;
    private final double most;
    /** The share of the keys the shadows replay, in (0, 1]. */
    private final double sample;
    /** Which sample of that share: the seed of the keys' hash. */
    private final long sampleSeed;
    private final PansaarPolicy lower;
    private final PansaarPolicy higher;
    /** How far a window reaches: requests, or clock units when {@link #inTime}. */
    private final long windowLength;
    /** Whether windows span clock time rather than requests. */
    private final boolean inTime;
    private double value;
    private long requests;
    /** The clock of the first request replayed, where the first window of time starts. */
    private long firstClock;
    /** The clock of the latest request replayed. */
    private long clock;
    /** Windows ended and judged: how far the replay reached, divided by {@link #windowLength}, when last judged. */
    private long windowsJudged;
    private long lowerBytesBefore;
    private long higherBytesBefore;
    /** Windows in a row that favoured the higher shadow (positive) or the lower one (negative). */
    private int streak;

    /**
     * A tuner of {@code knob} starting from its value in {@code settings}, for caches of {@code capacity} bytes; its
     * shadows replay the share of the keys {@code settings} sample, in caches of that share of the bytes.
     */
    ShadowTuner(Knob knob, long capacity, PansaarSettings settings) {
        this(knob, capacity, settings, knob.start.applyAsDouble(settings));
    }

    /**
     * A tuner of {@code knob} starting from {@code start}, or the nearest end of the range if outside it, for caches
     * of {@code capacity} bytes. Its range, its windows and its shadows' other settings are those {@code configured}
     * gives, whatever the start: a lease holder that starts from the value its predecessor reached tunes within the
     * same range and windows as that predecessor did.
     */
    ShadowTuner(Knob knob, long capacity, PansaarSettings configured, double start) {
        if (Double.isNaN(start)) {
            throw new IllegalArgumentException("pansaar-tuned: " + knob + " must start from a number, got NaN");
        }
        this.knob = knob;
        least = knob.least.applyAsDouble(configured);
        most = knob.most.applyAsDouble(configured);
        value = Math.min(most, Math.max(least, start));
        sample = configured.tunerSample();
        sampleSeed = configured.tunerSampleSeed();
        inTime = configured.tunerWindow() == PansaarSettings.TunerWindow.HALF_LIVES;
        windowLength = inTime ? Math.max(1, Math.round(knob.halfLives * configured.halfLife())) : knob.window;
        long shadowCapacity = shadowCapacity(capacity, sample);
        // The shadows count every request they replay at once: fed a tick at a time, a delivery is the fold.
        lower = new PansaarPolicy(shadowCapacity, Freshness.NONE, configured.withFoldInterval(0), 0);
        higher = new PansaarPolicy(shadowCapacity, Freshness.NONE, configured.withFoldInterval(0), 0);
        placeShadows();
    }

    /** The bytes of a shadow replaying {@code sample} of the keys of a cache of {@code capacity}: as many of them, at least 1. */
    static long shadowCapacity(long capacity, double sample) {
        return sample >= 1 ? capacity : Math.max(1, Math.round(capacity * sample));
    }

    /**
     * Whether the shadows of a tuner sampling {@code sample} of the keys with the hash seeded {@code seed} replay the
     * key {@code id}: its hash, spread evenly over [0, 1), falls below the share. A hash of its own, so that the
     * sample is no partition's keys, and mixed, as the traces number their objects densely.
     */
    static boolean sampled(long id, double sample, long seed) {
        if (sample >= 1) {
            return true;
        }
        // SplittableRandom's mix of a Weyl step (Steele et al., OOPSLA 2014), offset by the seed; its top 53 bits as a
        // fraction.
        long z = mix64(id * 0x9E3779B97F4A7C15L + seed * 0xD1B54A32D192ED03L);
        return (z >>> 11) * 0x1.0p-53 < sample;
    }

    /**
     * SplittableRandom's finalizer (Stafford's variant 13): a bijection of the longs, each of whose output bits hangs
     * on every input bit.
     */
    static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Replays the request through both shadows; returns whether the setting moved, to {@link #value}. */
    boolean record(Request request) {
        replay(request, 1);
        return judgeEndedWindow();
    }

    /**
     * Replays a tick's requests of one key through both shadows, {@code count} requests dated as {@code request} is:
     * production's scheduler learns a key's requests of a tick only as their count. The window is judged when the
     * tick has been delivered ({@link #tickEnded}).
     */
    void deliver(Request request, long count) {
        replay(request, count);
    }

    /** Judges the window if the tick delivered ended one; returns whether the setting moved, to {@link #value}. */
    boolean tickEnded() {
        return judgeEndedWindow();
    }

    private void replay(Request request, long count) {
        if (requests == 0) {
            firstClock = request.time();
        }
        clock = request.time();
        requests += count;
        if (!sampled(request.id(), sample, sampleSeed)) {
            return;
        }
        for (long i = 0; i < count; i++) {
            lower.record(request);
            higher.record(request);
        }
    }

    /**
     * At the end of a window, compares the bytes the shadows hit in it, and moves the setting once enough windows in a
     * row agree; returns whether it moved. A tick that ends several windows at once is judged once, on all its bytes.
     */
    private boolean judgeEndedWindow() {
        long windows = (inTime ? clock - firstClock : requests) / windowLength;
        if (windows != windowsJudged) {
            windowsJudged = windows;
            long lowerGain = lower.stats().hitBytes() - lowerBytesBefore;
            long higherGain = higher.stats().hitBytes() - higherBytesBefore;
            lowerBytesBefore = lower.stats().hitBytes();
            higherBytesBefore = higher.stats().hitBytes();
            // A tie breaks the streak: neither side showed it would serve more.
            int favours = Long.compare(higherGain, lowerGain);
            streak = favours != 0 && Integer.signum(streak) == favours ? streak + favours : favours;
            if (Math.abs(streak) >= knob.agreeing) {
                double before = value;
                value = streak > 0 ? Math.min(most, value * FACTOR) : Math.max(least, value / FACTOR);
                streak = 0;
                placeShadows();
                return value != before;
            }
        }
        return false;
    }

    /** Applies another tuner's move to both shadows, where this knob's shadows follow that knob. */
    void follow(Knob other, double otherValue) {
        if (!knob.shadowsFollow(other)) {
            return;
        }
        other.apply(lower, otherValue);
        other.apply(higher, otherValue);
    }

    private void placeShadows() {
        knob.apply(lower, value / FACTOR);
        knob.apply(higher, value * FACTOR);
    }

    Knob knob() {
        return knob;
    }

    /** The objects both shadows hold or remember. */
    long shadowObjects() {
        return (long) lower.knownObjects() + higher.knownObjects();
    }

    /** The counters of the lower shadow and the higher one. */
    List<PolicyStats> shadowStats() {
        return List.of(lower.stats(), higher.stats());
    }

    /** The value the tuner holds now. */
    double value() {
        return value;
    }

    /** Checks the shadows' own invariants and that the value stayed in its range. */
    void finished() {
        lower.finished();
        higher.finished();
        if (!(value >= least && value <= most)) {
            throw new IllegalStateException("pansaar-tuned: " + knob + " left [" + least + ", " + most + "]: " + value);
        }
    }
}
