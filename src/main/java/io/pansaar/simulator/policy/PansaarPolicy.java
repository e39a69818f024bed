package io.pansaar.simulator.policy;

import io.pansaar.algorithm.AccessPriority;
import io.pansaar.algorithm.ChangeHistory;
import io.pansaar.algorithm.EarlyRefresh;
import io.pansaar.algorithm.TokenBucket;
import io.pansaar.algorithm.DynamicTtl;
import io.pansaar.simulator.trace.Request;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.LongConsumer;

/**
 * Pansaar's Algorithm as production runs it, replayed over a trace. Every request that finds a copy adds to the
 * image's decayed request count ({@link AccessPriority}); a new image is always admitted, and while the bytes exceed
 * the capacity the resident of lowest priority S - a·log2(size) leaves, never the image just written. Each copy
 * lives for a dynamic TTL from {@link DynamicTtl}, and falls due for an early refresh at XFetch's due time
 * ({@link EarlyRefresh}); a due copy expected to be requested often enough over one more TTL is refreshed within a
 * token-bucket budget, the others are left to expire. An expired copy is revalidated on its next request (a
 * conditional fetch, counted as a miss). Every revalidation, early or not, lengthens the TTL of an unchanged image
 * and shortens that of a changed one, and cuts it to the time in which the copy expects at most {@link
 * DynamicTtl#MAXIMUM_REQUESTS_PER_COPY} requests at its image's rate; a ghost as large as the resident set keeps the
 * change history of evicted images.
 *
 * <p>With a fold interval F above 0, a request that finds a fresh copy counts as production counts a hit: it waits
 * in a counter, and every F clock units all waiting requests are folded into their copies' scores at once, dated
 * the fold. Requests of expired copies and admissions count at once, as production's {@code pansaar_get} does.
 */
public final class PansaarPolicy extends SizedPolicy {
    // Chosen on the AdaptSize trace and the Zipf 0.9 synthetic trace at 1, 5, 10 and 25% of their unique bytes
    // (docs/simulation.md), one parameter at a time around the others' values; points are of byte hit ratio.

    /**
     * The half-life of the decayed request count, in clock units. Against 3600: +0.9 to +3.4 points on Zipf, whose
     * popularity does not drift, and -0.7 to +0.5 on AdaptSize; 100000 loses 0.1-1.3 on AdaptSize against 3600.
     */
    static final double HALF_LIFE = 10_000;
    /**
     * The size exponent a of the priority. 0, since the goal puts byte hit ratio first: at 1%, a = 0.25 costs 2.9
     * points of it on AdaptSize and 5.3 on Zipf for 1.5 and 2.0 points of object hit ratio; from 5% up it moves
     * either by less than a point.
     */
    static final double SIZE_EXPONENT = 0;
    /**
     * How many half-lives a new image's first request is dated back (see {@link PansaarSettings#newcomerPenalty}). At
     * 1, eviction alone gains up to 1.9 points of byte hit ratio (Zipf 1%) and loses at most 0.03 (Tencent 10%);
     * with content changes it moves byte hit ratio by -0.18 to +1.53 points and stays within the stale budget. 2 and
     * 4 gain more on Zipf but lose 0.7-0.8 points against 1 on AdaptSize at 5%.
     */
    static final double NEWCOMER_PENALTY = 1;
    /** XFetch's beta, as in the paper; with no fetch times in the traces it only spreads due times. */
    static final double BETA = 1;
    /** The fetch time every copy is assumed to take, in clock units: the traces record none. */
    static final long FETCH_TIME = 10;
    /** The lead of a refresh over its due time, in clock units: the scheduler's tick and queue wait. */
    static final long LEAD = 10;
    /**
     * The requests expected over the next TTL that make a refresh worth an origin fetch. At 1, warm images expire:
     * 0.9-1.6 points less, for 3100-4900 fewer refreshes on AdaptSize. 0.25 gains 0.4-3.3 points more but makes up
     * to 41% more origin fetches (Zipf 25%: 0.80M against 0.57M), more than any baseline.
     */
    static final double MINIMUM_EXPECTED_REQUESTS = 0.5;
    /**
     * The refresh budget: refreshes per clock unit, and how many may be saved up. Generous (the traces carry about
     * one request per unit), so that the worth-it test decides; the budget is for an origin that needs protecting.
     * At 0.05 per unit pansaar loses up to 0.8 points on AdaptSize and 3.0 on Zipf, at 0.01 up to 1.7 and 5.0.
     */
    static final double REFRESHES_PER_UNIT = 1;
    static final double REFRESH_BURST = 100;
    /**
     * The latest clock a replay may reach, 2^53: the due heap ranks due times as doubles, exact up to it. Traces count
     * seconds or requests, far below it, and so does production's clock in epoch milliseconds, about 1.8·10^12 in 2027
     * (2^53 ms is some 285,000 years).
     */
    static final long LATEST_CLOCK = 1L << 53;
    /** How many outdated entries the due heap may hold beyond twice the residents before they are dropped. */
    private static final int OUTDATED_DUE_ENTRIES = 1024;
    /**
     * The share of the bytes the probationary FIFO of {@code pansaar-probation} holds, S3-FIFO's small-queue share
     * (docs/simulation.md, "Eviction alone: a probationary stage").
     */
    static final double PROBATION_SHARE = 0.1;
    /** The next change of a copy that has not asked the change model yet: at or before every clock. */
    private static final long NEXT_CHANGE_UNKNOWN = Long.MIN_VALUE;
    /** The seed of the draws that spread due times, so that runs repeat. */
    static final long SEED = 0x5EED;

    /** The tunable parameters; {@link #DEFAULT} holds the constants above. */
    record Parameters(double halfLife, double sizeExponent, double beta, long fetchTime, long lead,
            double minimumExpectedRequests, double refreshesPerUnit, double refreshBurst, DynamicTtl.Parameters ttl,
            double newcomerPenalty) {
        static final Parameters DEFAULT = new Parameters(HALF_LIFE, SIZE_EXPONENT, BETA, FETCH_TIME, LEAD,
                MINIMUM_EXPECTED_REQUESTS, REFRESHES_PER_UNIT, REFRESH_BURST, DynamicTtl.Parameters.DEFAULT,
                NEWCOMER_PENALTY);

        /** These parameters with what a run sets ({@link PansaarSettings}): half-life, size exponent, newcomer penalty. */
        Parameters with(PansaarSettings settings) {
            return new Parameters(settings.halfLife(), settings.sizeExponent(), beta, fetchTime, lead,
                    minimumExpectedRequests, refreshesPerUnit, refreshBurst, ttl, settings.newcomerPenalty());
        }

        /** These parameters with another dynamic TTL's. */
        Parameters withTtl(DynamicTtl.Parameters otherTtl) {
            return new Parameters(halfLife, sizeExponent, beta, fetchTime, lead, minimumExpectedRequests,
                    refreshesPerUnit, refreshBurst, otherTtl, newcomerPenalty);
        }

        /** These parameters with another budget of early refreshes: per clock unit, and the burst saved up. */
        Parameters withRefreshBudget(double otherRefreshesPerUnit, double otherRefreshBurst) {
            return new Parameters(halfLife, sizeExponent, beta, fetchTime, lead, minimumExpectedRequests,
                    otherRefreshesPerUnit, otherRefreshBurst, ttl, newcomerPenalty);
        }
    }

    /**
     * An object the cache holds (resident) or remembers (a ghost, keeping only its change history): its score, its
     * freshness and when it falls due for a refresh. A ghost admitted again is the same object, reset; one the ghost
     * forgets is kept for the next new object (see {@link #newCopy}).
     */
    private static final class Copy {
        long id;
        long size;
        /** a·log2(size), the part of the priority the size decides, worked out once per admission. */
        double sizeTerm;
        boolean resident;
        /** The entries of {@code ghostOrder} that name this object. */
        int ghostEntries;
        double score = AccessPriority.NEVER_REQUESTED;
        /**
         * The eviction priority. {@code byPriority} ranks the copy by what it was when last ranked, at most this, as a
         * request only raises a score: a request leaves the heap alone, and eviction ranks a candidate again first.
         */
        double priority;
        long fetchedAt;
        /**
         * The origin's first change after fetchedAt, as the change model tells it, or {@link #NEXT_CHANGE_UNKNOWN}: a
         * revalidation that finds the object unchanged leaves it as it was, so that only the first revalidation of a copy
         * and those that find a change look the object up in the model (see {@link #changedSinceFetch}).
         */
        long nextChange = NEXT_CHANGE_UNKNOWN;
        long ttl;
        /** XFetch's uniform draw u of the last schedule, in (0, 1]: with fetchedAt and ttl it decides the due time. */
        double uniform;
        /** Whether {@code due} was worked out from the last schedule's draw (see {@link #dueTimeKnown}). */
        boolean dueKnown;
        long due;
        /** {@link RefreshWorth#thresholdFor} the copy's TTL, worked out when the TTL is. */
        double refreshThreshold;
        /**
         * The change history's two numbers ({@link ChangeHistory}), kept in the copy rather than as an object of its
         * own, so that a revalidation reads no other object.
         */
        double exposure;
        long changes;
        /**
         * How many times the copy was scheduled: an entry of {@code byDue} with another stamp is outdated. It keeps
         * counting when the copy is reused for another object, so that the entries left from its last one stay outdated.
         */
        int schedules;
        /**
         * Whether the copy has a due time but no entry in {@code byDue}: its requests so far would not make a refresh
         * at the due time worth it. A request before then may (see {@link #scoreRose}).
         */
        boolean dueUnlisted;
        /** Hits since the last fold, not yet in the score. */
        long unfoldedRequests;
        /** Whether the copy waits in the probationary FIFO rather than in {@code byPriority}. */
        boolean onProbation;
        /** Whether the copy was requested since it entered the probationary FIFO: it moves to main when it leaves. */
        boolean requestedOnProbation;

        /** Makes this copy, resident and ghost no more, that of a new object, as a fresh one would be but for its stamp. */
        void reuseFor(long id, long size) {
            this.id = id;
            this.size = size;
            sizeTerm = 0;
            resident = false;
            ghostEntries = 0;
            score = AccessPriority.NEVER_REQUESTED;
            priority = 0;
            fetchedAt = 0;
            nextChange = NEXT_CHANGE_UNKNOWN;
            ttl = 0;
            uniform = 0;
            dueKnown = false;
            due = 0;
            refreshThreshold = 0;
            exposure = 0;
            changes = 0;
            dueUnlisted = false;
            unfoldedRequests = 0;
            onProbation = false;
            requestedOnProbation = false;
        }

        /** Returns the change history. */
        ChangeHistory history() {
            return new ChangeHistory(exposure, changes);
        }

        /** Keeps the change history's two numbers. */
        void setHistory(ChangeHistory history) {
            exposure = history.exposure();
            changes = history.changes();
        }

        /** Sets the priority from the score, as {@link AccessPriority#priority} does, with the size term kept. */
        void rank() {
            priority = score - sizeTerm;
        }
    }

    private final ChangeModel changes;
    /** The priority's formulas; replaced with another newcomer penalty or half-life when a tuner moves one. */
    private AccessPriority access;
    /** Tunes the newcomer penalty and the half-life as the replay goes ({@code pansaar-tuned}); null: as set. */
    private PartitionTuner tuner;
    /** Feeds the tuner a fold at a time, as production's scheduler can; null: request by request. */
    private TickFeed tunerFeed;
    private final EarlyRefresh earlyRefresh;
    private final DynamicTtl dynamicTtl;
    /**
     * The TTL of a copy without change history, the segment's starting TTL, as {@code dynamicTtl} last gave it. It
     * moves only at an image's first revalidation, so it is asked again then (see {@link #revalidate}) rather than at
     * each admission, which was a seventh of a replay without expiry when DynamicTtl took a lock per call.
     */
    private long startingTtl;
    /** {@link RefreshWorth#thresholdFor} the starting TTL, worked out when it moves. */
    private double startingRefreshThreshold;
    private RefreshWorth refreshWorth;
    private final long fetchTime;
    private final double refreshesPerUnit;
    private final double refreshBurst;
    private final long minimumTtl;
    private final long maximumTtl;
    /** The most requests a copy may expect within its TTL ({@link DynamicTtl#MAXIMUM_REQUESTS_PER_COPY}). */
    private final double maximumRequestsPerCopy;
    /**
     * log2 of a decayed request count below which no TTL within the bounds is cut, halved for a margin: most
     * revalidated copies are of images requested a few times, and for them the cut's exponentiation can be skipped.
     */
    private double uncutCountLog2;
    private final SplittableRandom random = new SplittableRandom(SEED);
    /** The residents and the ghost, by id: one lookup tells a hit, a remembered object and a new one apart. */
    private final DenseIdMap<Copy> known = new DenseIdMap<>();
    private int residentCount;
    private int ghostCount;
    // Ties go to the lower id, so that every run evicts and refreshes in the same order. The ranks are lower bounds
    // of the priorities, so a first copy whose rank is its priority has the lowest priority of all. Two runs: new
    // images, dated back by the newcomer penalty, and remembered ones each arrive in rank order, but not together.
    // Each admission names its kind's run: on a trace of many requests per clock unit, remembered images admitted
    // within one unit tie on rank in no id order, and would otherwise take the new images' run too (RunHeap.add).
    private static final int PRIORITY_RUNS = 2;
    private static final int NEW_IMAGES_RUN = 0;
    private static final int REMEMBERED_RUN = 1;
    private RunHeap<Copy> byPriority = new RunHeap<>(PRIORITY_RUNS);
    // Ranked by due time as a double, exact up to LATEST_CLOCK. An entry is current while its copy is resident and
    // its stamp is the copy's schedules: rescheduling and eviction leave the old entry to be skipped (see isCurrent).
    private final MinHeap<Copy> byDue = new MinHeap<>();
    /** The latest time up to which due copies were refreshed: a due time at or before it has passed. */
    private long refreshedUntil = Long.MIN_VALUE;
    /** The ghost's objects in the order they were evicted, an object once per eviction (see {@link #evict}). */
    private final ArrayDeque<Copy> ghostOrder = new ArrayDeque<>();
    /** Copies of objects the ghost forgot, for new objects to reuse (see {@link #newCopy}). */
    private final List<Copy> spareCopies = new ArrayList<>();
    /** Created at the first due copy, full: the run starts with the whole burst saved up. */
    private TokenBucket refreshBudget;
    private long revalidations;
    private long justAdmittedEvictions;
    /** 0: every request counts at once; else how many clock units hits wait before they are folded in. */
    private final long foldInterval;
    private long nextFold = Long.MIN_VALUE;
    /** The copies with hits waiting for the next fold, each once. */
    private final List<Copy> unfolded = new ArrayList<>();
    /** The share of the bytes the probationary FIFO may hold; 0 turns it off, and every new copy enters main at once. */
    private double probationShare;
    /** {@link #probationShare} of the capacity, at least one byte while the stage is on. */
    private long probationLimit;
    /** New copies in admission order, until they leave: to main if requested meanwhile, else evicted. */
    private final ArrayDeque<Copy> probation = new ArrayDeque<>();
    private long probationBytes;
    /** Told the id of each evicted object, in eviction order; nobody by default. */
    private LongConsumer evictionListener = id -> { };

    /** Creates a Pansaar cache of the given bytes whose origin changes content as the freshness model says. */
    public PansaarPolicy(long capacity, Freshness freshness) {
        this(capacity, freshness, PansaarSettings.DEFAULT, 0);
    }

    /** Creates a Pansaar cache whose hits count at folds every {@code foldInterval} clock units (0: at once). */
    public PansaarPolicy(long capacity, Freshness freshness, long foldInterval) {
        this(capacity, freshness, PansaarSettings.DEFAULT.withFoldInterval(foldInterval), 0);
    }

    /**
     * Creates a Pansaar cache with these settings of a run, and a probationary FIFO of {@code probationShare} of the
     * bytes when above 0 (see the constructor of {@code pansaar-probation}).
     */
    public PansaarPolicy(long capacity, Freshness freshness, PansaarSettings settings, double probationShare) {
        this(probationShare > 0 ? "pansaar-probation" : "pansaar", capacity, freshness, Parameters.DEFAULT.with(settings),
                settings.foldInterval(), probationShare);
    }

    /** Creates a Pansaar cache with other parameters than the defaults, to measure them. */
    PansaarPolicy(long capacity, Freshness freshness, Parameters parameters) {
        this("pansaar", capacity, freshness, parameters, 0, 0);
    }

    /**
     * Creates the variant {@code pansaar-probation} (production with tuning off): a new image (one not remembered in
     * the ghost) first enters a probationary FIFO of {@code probationShare} of the bytes, as S3-FIFO's small queue does
     * (Yang et al., SOSP 2023); one requested again while there moves to main's priority order when it leaves, the
     * others are evicted into the ghost. An image that returns while remembered in the ghost enters main at once.
     */
    public PansaarPolicy(long capacity, Freshness freshness, long foldInterval, double probationShare) {
        this(capacity, freshness, PansaarSettings.DEFAULT.withFoldInterval(foldInterval), probationShare);
    }

    private PansaarPolicy(String name, long capacity, Freshness freshness, Parameters parameters, long foldInterval,
            double probationShare) {
        // The fold interval comes checked, from PansaarSettings, or is 0.
        super(name, capacity);
        if (!(probationShare >= 0 && probationShare < 1)) {
            throw new IllegalArgumentException("probation share must be in [0, 1), got " + probationShare);
        }
        this.foldInterval = foldInterval;
        if (probationShare > 0) {
            probationShare(probationShare);
        }
        this.changes = freshness.changes();
        long base = freshness.baseTtl();
        // The budget and TTL bounds of a production segment that sets none of its own.
        minimumTtl = DynamicTtl.floorOf(base);
        maximumTtl = DynamicTtl.ceilingOf(base);
        maximumRequestsPerCopy = parameters.ttl().maximumRequestsPerCopy();
        dynamicTtl = new DynamicTtl(DynamicTtl.DEFAULT_FRESHNESS_BUDGET, base, minimumTtl, maximumTtl, parameters.ttl());
        access = new AccessPriority(parameters.halfLife(), parameters.sizeExponent(), parameters.newcomerPenalty());
        earlyRefresh = new EarlyRefresh(parameters.beta(), parameters.lead(), parameters.minimumExpectedRequests());
        refreshWorth = new RefreshWorth(access, earlyRefresh);
        uncutCountLog2 = uncutCountLog2();
        startingTtl = dynamicTtl.ttl(ChangeHistory.NONE);
        startingRefreshThreshold = refreshWorth.thresholdFor(startingTtl);
        fetchTime = parameters.fetchTime();
        refreshesPerUnit = parameters.refreshesPerUnit();
        refreshBurst = parameters.refreshBurst();
    }

    @Override
    public boolean managesFreshness() {
        return true;
    }

    @Override
    public long fetchedAt(long id) {
        // One read of DenseIdMap's array, which the request just read: keeping the last copy recorded in a field
        // instead cost more, as every request stored a reference across the heap (a garbage collector's write barrier).
        Copy copy = known.get(id);
        if (copy == null || !copy.resident) {
            throw new IllegalArgumentException("pansaar: object " + id + " is not resident");
        }
        return copy.fetchedAt;
    }

    /**
     * Creates the variant {@code pansaar-tuned} (production without the stage): {@code pansaar} whose newcomer penalty
     * and half-life move to the trace as it replays, starting from {@code settings}', as the {@link PartitionTuner} that
     * production's scheduler runs moves them. With a fold interval the tuner is fed a fold at a time ({@link
     * TickFeed}), as that scheduler feeds it from the hit counter it folds; its shadows replay the share of the keys the
     * settings sample.
     */
    public static PansaarPolicy tuned(long capacity, Freshness freshness, PansaarSettings settings) {
        return tuned("pansaar-tuned", capacity, freshness, settings, 0);
    }

    /**
     * Creates the variant {@code pansaar-tuned-probation}, production's default: {@code pansaar-probation} whose
     * newcomer penalty and half-life move as {@code pansaar-tuned}'s do, its tuner's shadows for them being plain
     * {@code pansaar}, and whose probationary FIFO's share of the bytes moves too, from {@link #PROBATION_SHARE}, judged
     * by shadows that are this cache with a smaller and a larger FIFO (docs/simulation.md, "A tuned probation").
     */
    public static PansaarPolicy tunedWithProbation(long capacity, Freshness freshness, PansaarSettings settings) {
        return tuned("pansaar-tuned-probation", capacity, freshness, settings, PROBATION_SHARE);
    }

    private static PansaarPolicy tuned(String name, long capacity, Freshness freshness, PansaarSettings settings,
            double probationShare) {
        PansaarPolicy policy = new PansaarPolicy(name, capacity, freshness, Parameters.DEFAULT.with(settings),
                settings.foldInterval(), probationShare);
        if (settings.foldInterval() > 0) {
            policy.tunerFeed = new TickFeed(settings.foldInterval());
        }
        // A share of 0 tunes none: the penalty and half-life alone.
        policy.tuner = new PartitionTuner(capacity, settings, settings.halfLife(), settings.newcomerPenalty(),
                probationShare);
        // A setting outside a tuner's range starts at the nearest end.
        policy.takeTunedValues();
        return policy;
    }

    /**
     * Takes the values the tuner holds now, each only if it moved, as setting a half-life rescales every resident: the
     * penalty first, then the half-life, then the probation share, the order in which the tuner judges them.
     */
    private void takeTunedValues() {
        if (tuner.newcomerPenalty() != newcomerPenalty()) {
            newcomerPenalty(tuner.newcomerPenalty());
        }
        if (tuner.halfLife() != halfLife()) {
            halfLife(tuner.halfLife());
        }
        // 0: the tuner tunes no probation share.
        if (tuner.probationShare() > 0 && tuner.probationShare() != probationShare) {
            probationShare(tuner.probationShare());
        }
    }

    /**
     * Hands the request to the tuner, fed a fold at a time or request by request, and takes the values that moved. A
     * method of its own, so that {@link #record} stays small enough for the JIT to compile it whole for {@code pansaar},
     * which has no tuner.
     */
    private void tune(Request request) {
        if (tunerFeed != null) {
            feedTuner(tunerFeed.offer(request));
        } else if (tuner.record(request)) {
            takeTunedValues();
        }
    }

    /** Has the tuner replay a tick's deliveries, then judge its windows, and takes the values that moved. */
    private void feedTuner(List<TickFeed.Delivery> tick) {
        if (tick.isEmpty()) {
            return;
        }
        for (TickFeed.Delivery delivery : tick) {
            tuner.deliver(delivery.request(), delivery.count());
        }
        if (tuner.tickEnded()) {
            takeTunedValues();
        }
    }

    /**
     * Lets the probationary FIFO hold {@code share} of the bytes from now on, in (0, 1): a cache without the stage
     * takes it up. A FIFO over its new share gives up its oldest copies as admissions make room, as it does over its
     * share when the cache first fills: to main those requested meanwhile, the others evicted.
     */
    public void probationShare(double share) {
        if (!(share > 0 && share < 1)) {
            throw new IllegalArgumentException("probation share must be in (0, 1), got " + share);
        }
        probationShare = share;
        // At least one byte, so that the stage stays on however small the cache.
        probationLimit = Math.max(1, (long) (capacity * share));
    }

    /** The share of the bytes the probationary FIFO may hold now; 0 when the cache has no such stage. */
    double probationShare() {
        return probationShare;
    }

    /** Admits new images from now on with their first request dated {@code halfLives} half-lives back. */
    void newcomerPenalty(double halfLives) {
        access = new AccessPriority(access.halfLifeMillis(), access.sizeExponent(), halfLives);
    }

    /** The newcomer penalty new images are admitted with now, in half-lives. */
    double newcomerPenalty() {
        return access.newcomerPenalty();
    }

    /**
     * Counts requests from now on with a half-life of {@code halfLife} clock units. Each resident keeps the time at which
     * its decayed count falls to one request, S·h, so its score becomes S·h/halfLife
     * ({@link AccessPriority#inHalfLife}); their order by score then stays as it was but for the size term, and new
     * requests weigh as the new half-life says. Production ranks in ms and moves each image's score at its next
     * update, which orders them alike when the size exponent is 0. A copy whose early refresh was judged not worth it
     * is judged again at its next request, as any.
     */
    public void halfLife(double halfLife) {
        double before = access.halfLifeMillis();
        access = new AccessPriority(halfLife, access.sizeExponent(), access.newcomerPenalty());
        refreshWorth = new RefreshWorth(access, earlyRefresh);
        uncutCountLog2 = uncutCountLog2();
        startingRefreshThreshold = refreshWorth.thresholdFor(startingTtl);
        List<Copy> residents = new ArrayList<>(residentCount);
        byPriority.forEach(residents::add);
        // The copies on probation keep their FIFO order, and leave it with scores of the new half-life.
        for (Copy copy : probation) {
            rescale(copy, before, halfLife);
        }
        for (Copy copy : residents) {
            rescale(copy, before, halfLife);
        }
        residents.sort(Comparator.comparingDouble((Copy copy) -> copy.priority).thenComparingLong(copy -> copy.id));
        byPriority = new RunHeap<>(PRIORITY_RUNS);
        residents.forEach(copy -> byPriority.add(copy, copy.priority, copy.id));
    }

    /**
     * log2 of half the decayed count C at which the longest TTL, the maximum, holds the most requests a copy may serve:
     * R = C·ln 2/h · maximum. Below it R / rate exceeds the maximum, so no TTL is cut; the halving keeps rounding away.
     */
    private double uncutCountLog2() {
        return Math.log(maximumRequestsPerCopy * access.halfLifeMillis() / (Math.log(2) * maximumTtl)) / Math.log(2) - 1;
    }

    /** Moves a resident's score, rank and refresh threshold to a half-life of {@code to} clock units from {@code from}. */
    private void rescale(Copy copy, double from, double to) {
        copy.score = AccessPriority.inHalfLife(copy.score, from, to);
        copy.rank();
        copy.refreshThreshold = copy.ttl == startingTtl ? startingRefreshThreshold : refreshWorth.thresholdFor(copy.ttl);
    }

    /** The objects it holds or remembers: the residents and the ghost, each an entry in its heap. */
    int knownObjects() {
        return known.size();
    }

    /** The half-life requests are counted with now, in clock units. */
    double halfLife() {
        return access.halfLifeMillis();
    }

    @Override
    public void record(Request request) {
        if (tuner != null) {
            tune(request);
        }
        long now = request.time();
        if (now > LATEST_CLOCK) {
            throw new IllegalArgumentException("pansaar: request time " + now + " is beyond the latest clock " + LATEST_CLOCK);
        }
        foldWaitingHits(now);
        refreshDueCopies(now);
        Copy copy = known.get(request.id());
        if (copy != null && copy.resident) {
            requestResident(copy, request, now);
        } else {
            stats.recordMiss(request.size());
            if (request.size() <= capacity) {
                admit(copy, request, now);
            }
        }
    }

    // record's parts are methods of their own so that the JIT compiles each by itself: as one method with all it
    // calls inlined, its compilation took most of a second, longer than a whole replay of the AdaptSize trace.

    /** Counts a request that finds a resident copy: a hit, or a revalidation if the copy expired. */
    private void requestResident(Copy copy, Request request, long now) {
        if (copy.onProbation) {
            copy.requestedOnProbation = true;
        }
        boolean expired = now - copy.fetchedAt >= copy.ttl;
        if (expired || foldInterval == 0) {
            copy.score = access.afterRequest(copy.score, now);
            scoreRose(copy);
        } else if (copy.unfoldedRequests++ == 0) {
            unfolded.add(copy);
        }
        if (expired) {
            // Expired and not refreshed: a conditional fetch that the reader waits for.
            stats.recordMiss(request.size());
            revalidate(copy, now);
        } else {
            stats.recordHit(request.size());
        }
    }

    /** Admits the requested object, remembered in the ghost or null if new, and evicts until the bytes fit. */
    private void admit(Copy remembered, Request request, long now) {
        // Only an image the cache has not seen (or no longer remembers) is put on probation.
        boolean toProbation = remembered == null && probationLimit > 0;
        Copy copy = remembered;
        if (copy == null) {
            copy = newCopy(request.id(), request.size());
            known.put(copy.id, copy);
        } else {
            // Remembered in the ghost: admitted again with its change history, the rest as new.
            ghostCount--;
            copy.size = request.size();
            copy.score = AccessPriority.NEVER_REQUESTED;
        }
        copy.sizeTerm = access.sizeTerm(copy.size);
        copy.resident = true;
        residentCount++;
        copy.score = remembered == null ? access.newcomerScore(now) : access.afterRequest(AccessPriority.NEVER_REQUESTED, now);
        copy.rank();
        fetched(copy, now);
        copy.ttl = ttlOf(copy.history());
        schedule(copy);
        usedBytes += copy.size;
        makeRoom(toProbation ? copy.size : 0, now);
        if (toProbation) {
            copy.onProbation = true;
            copy.requestedOnProbation = false;
            probation.addLast(copy);
            probationBytes += copy.size;
        } else {
            byPriority.add(copy, copy.priority, copy.id, remembered == null ? NEW_IMAGES_RUN : REMEMBERED_RUN);
        }
        if (!copy.resident) {
            justAdmittedEvictions++;
        }
    }

    /**
     * Evicts until the bytes fit the capacity, the probationary FIFO's first while it holds more than its share with
     * {@code joiningProbation} more bytes. The copy just admitted is in neither order yet, so it cannot be a victim.
     */
    private void makeRoom(long joiningProbation, long now) {
        while (usedBytes > capacity) {
            if (!probation.isEmpty()
                    && (probationBytes + joiningProbation > probationLimit || byPriority.size() == 0)) {
                leaveProbation();
                continue;
            }
            Copy victim = byPriority.peek();
            if (byPriority.firstRank() != victim.priority) {
                // Requested since it was ranked: rank it again, and look at the first element then.
                byPriority.rankFirstAgain(victim.priority);
                continue;
            }
            if (victim.unfoldedRequests > 0) {
                // The lowest priority of all. Production's eviction folds a candidate's waiting hits first: a copy in
                // demand is never lost for want of a fold.
                victim.score = access.afterRequests(victim.score, now, victim.unfoldedRequests);
                scoreRose(victim);
                victim.unfoldedRequests = 0;
                byPriority.rankFirstAgain(victim.priority);
                continue;
            }
            evict(byPriority.poll());
        }
    }

    /**
     * Takes the oldest copy off probation: requested meanwhile, it joins main's priority order with the score its
     * requests earned; otherwise it is evicted into the ghost, so that it enters main at once if it returns soon.
     */
    private void leaveProbation() {
        Copy oldest = probation.removeFirst();
        probationBytes -= oldest.size;
        oldest.onProbation = false;
        if (oldest.requestedOnProbation) {
            oldest.requestedOnProbation = false;
            byPriority.add(oldest, oldest.priority, oldest.id);
        } else {
            evict(oldest);
        }
    }

    /** At each fold time passed, counts the waiting hits of every copy still resident, dated the fold. */
    private void foldWaitingHits(long now) {
        if (foldInterval == 0 || now < nextFold) {
            return;
        }
        long foldTime = now - Math.floorMod(now, foldInterval);
        fold(foldTime);
        nextFold = foldTime + foldInterval;
    }

    /**
     * Counts the waiting hits of every copy still resident, dated {@code time}, as production's scheduler does at a
     * tick: for a replay whose folds follow production's ticks rather than the fold interval's clock.
     */
    public void foldWaitingHitsAt(long time) {
        fold(time);
    }

    private void fold(long foldTime) {
        for (Copy copy : unfolded) {
            // An evicted copy's hits are lost with it, as production's fold finds its hash gone; eviction may have
            // folded a candidate's hits already.
            if (copy.unfoldedRequests > 0 && copy.resident) {
                copy.score = access.afterRequests(copy.score, foldTime, copy.unfoldedRequests);
                scoreRose(copy);
            }
            copy.unfoldedRequests = 0;
        }
        unfolded.clear();
    }

    /** Refreshes, in due order, every copy due at or before now that is worth it and fits the budget. */
    private void refreshDueCopies(long now) {
        refreshedUntil = Math.max(refreshedUntil, now);
        while (byDue.size() > 0 && byDue.firstRank() <= now) {
            boolean current = isCurrent(byDue.peek(), byDue.firstStamp());
            Copy copy = byDue.poll();
            if (!current) {
                continue;
            }
            long due = copy.due;
            // A current entry's copy is worth the refresh without asking again: it was when listed, and since then
            // its due time, TTL and threshold stayed (a schedule outdates the entry) and its score only rose.
            if (takeRefreshToken(due)) {
                stats.recordRefresh();
                revalidate(copy, due);
            }
        }
    }

    private boolean takeRefreshToken(long time) {
        if (refreshBudget == null) {
            refreshBudget = new TokenBucket(refreshesPerUnit, refreshBurst, refreshBurst, time);
        }
        return refreshBudget.tryTake(time);
    }

    /** Fetches the copy again at the given time: a 304 is evidence of stability, a 200 of change. */
    private void revalidate(Copy copy, long time) {
        revalidations++;
        long age = time - copy.fetchedAt;
        boolean changed = changedSinceFetch(copy, time);
        ChangeHistory history = copy.history();
        ChangeHistory revalidated = dynamicTtl.revalidated(history, age, changed);
        if (history.isNone()) {
            // The first revalidation of the image: the starting TTL may have moved.
            startingTtlMoved();
        }
        copy.setHistory(revalidated);
        // Cut to the time its requests so far expect the most a copy may serve, as production cuts it from the score
        // its claim reads; an image requested too rarely for any TTL of the bounds to be cut is spared the rate.
        long ttl = ttlOf(revalidated);
        boolean mayBeCut = copy.score - time / access.halfLifeMillis() >= uncutCountLog2;
        copy.ttl = mayBeCut ? dynamicTtl.limitedToRequests(ttl, access.requestRate(copy.score, time)) : ttl;
        fetched(copy, time);
        schedule(copy);
    }

    /**
     * Whether the origin changed the object after the copy was fetched and at or before {@code time}, as the change
     * model's {@link ChangeModel#changedBetween} tells; leaves the copy's next change the first after {@code time}.
     */
    private boolean changedSinceFetch(Copy copy, long time) {
        boolean known = copy.nextChange != NEXT_CHANGE_UNKNOWN;
        boolean changed = known ? copy.nextChange <= time : changes.changedBetween(copy.id, copy.fetchedAt, time);
        if (!known || changed) {
            // Just after changedBetween the model's cursor for the object is at time already: a second, short look-up.
            copy.nextChange = changes.nextChangeAfter(copy.id, time);
        }
        return changed;
    }

    /** Dates the copy's fetch {@code time}; a next change known from before still holds if it comes later. */
    private static void fetched(Copy copy, long time) {
        copy.fetchedAt = time;
        if (copy.nextChange <= time) {
            copy.nextChange = NEXT_CHANGE_UNKNOWN;
        }
    }

    /** Asks DynamicTtl for the starting TTL again, and works out its refresh threshold if it moved. */
    private void startingTtlMoved() {
        long ttl = dynamicTtl.ttl(ChangeHistory.NONE);
        if (ttl != startingTtl) {
            startingTtl = ttl;
            startingRefreshThreshold = refreshWorth.thresholdFor(ttl);
        }
    }

    /** Returns the TTL of a copy with this change history, as {@link DynamicTtl#ttl} does. */
    private long ttlOf(ChangeHistory history) {
        return history.isNone() ? startingTtl : dynamicTtl.ttl(history);
    }

    /**
     * Ranks a copy whose score rose. A score only rises, so a copy not worth a refresh at its due time may become worth
     * it, and is listed then, while its due time has not passed.
     */
    private void scoreRose(Copy copy) {
        copy.rank();
        if (copy.dueUnlisted && mayBeWorthRefreshing(copy)) {
            if (!dueTimeKnown(copy)) {
                // It never falls due after all: nothing to list.
                copy.dueUnlisted = false;
            } else if (copy.due > refreshedUntil && worthRefreshingWhenDue(copy)) {
                listDue(copy);
            }
        }
    }

    /**
     * Files the copy under its due time, if it ever falls due: at once if a refresh would be worth it then on its
     * requests so far, otherwise when a request makes it worth it (see {@link #scoreRose}). A copy that falls due
     * unlisted would be found not worth it and left to expire, which is what an unlisted one does; so only due copies
     * worth a refresh pass through the due heap, in the same order as if all did.
     */
    private void schedule(Copy copy) {
        // Outdates the copy's entry in the due heap, if it has one.
        copy.schedules++;
        copy.dueUnlisted = false;
        // 1 - nextDouble() lies in (0, 1], the range XFetch's logarithm needs. Every schedule draws, due or not, so
        // that the draws of the copies that do fall due stay the same.
        copy.uniform = 1 - random.nextDouble();
        copy.dueKnown = false;
        if (neverDue(copy)) {
            return;
        }
        copy.refreshThreshold = copy.ttl == startingTtl ? startingRefreshThreshold : refreshWorth.thresholdFor(copy.ttl);
        if (!mayBeWorthRefreshing(copy)) {
            // Not worth it even at its earliest possible due time, so not at its own: its due time, which takes
            // XFetch's logarithm, waits for a request that may make it worth it. Most copies leave before one comes.
            copy.dueUnlisted = true;
            return;
        }
        if (!dueTimeKnown(copy)) {
            return;
        }
        if (worthRefreshingWhenDue(copy)) {
            listDue(copy);
        } else {
            copy.dueUnlisted = true;
        }
    }

    /**
     * Whether the copy falls due after the latest clock (or never) whatever its draw, so that working out its due time,
     * which takes XFetch's logarithm, can be skipped: so it is for every copy with expiry turned off. The early part
     * lies in [0, ttl/2] (ttl/2.0 rounded, so at most a millionth above ttl/2), so the due time is at least
     * fetchedAt + ttl/4, beyond the latest clock, or it overflows, which {@link #schedule} also takes as never due.
     */
    private static boolean neverDue(Copy copy) {
        return copy.fetchedAt >= 0 && copy.ttl / 4 > LATEST_CLOCK;
    }

    /**
     * Works out the copy's due time from its last schedule's draw, once, and returns whether it falls due at all: not
     * if its due time lies beyond the longs, or beyond the latest clock, which no request reaches (see record), so that
     * it would never come out of the due heap. The draw, fetchedAt and ttl stay as they were until the next schedule.
     */
    private boolean dueTimeKnown(Copy copy) {
        if (!copy.dueKnown) {
            long earlyBy = earlyRefresh.earlyBy(fetchTime, copy.ttl, copy.uniform);
            if (copy.ttl - earlyBy > Long.MAX_VALUE - copy.fetchedAt) {
                return false;
            }
            copy.due = copy.fetchedAt + copy.ttl - earlyBy;
            copy.dueKnown = true;
        }
        return copy.due <= LATEST_CLOCK;
    }

    /**
     * Whether a refresh could be worth it at the copy's earliest possible due time, whatever its draw: false means it is
     * not worth it at the copy's own due time either. XFetch's early part is at most ttl/2 ({@link EarlyRefresh#earlyBy}
     * rounds min(early, ttl/2.0) down), so the due time is at least fetchedAt + ttl - (long) (ttl/2.0); and the worth
     * test only weakens as the due time grows (score - due/h falls, 2^x is semi-monotonic). With no logarithm, this
     * spares most copies their due time.
     */
    private boolean mayBeWorthRefreshing(Copy copy) {
        // No overflow: schedule has ruled out fetchedAt >= 0 with a TTL above 4 times the latest clock.
        long earliestDue = copy.fetchedAt + (copy.ttl - (long) (copy.ttl / 2.0));
        return refreshWorth.worthRefreshing(copy.score, earliestDue, copy.ttl, copy.refreshThreshold);
    }

    /** Whether a refresh at the copy's due time would be worth it, were it requested no more until then. */
    private boolean worthRefreshingWhenDue(Copy copy) {
        return refreshWorth.worthRefreshing(copy.score, copy.due, copy.ttl, copy.refreshThreshold);
    }

    private void listDue(Copy copy) {
        copy.dueUnlisted = false;
        byDue.add(copy, copy.due, copy.id, copy.schedules);
        if (byDue.size() > 2 * residentCount + OUTDATED_DUE_ENTRIES) {
            byDue.retainIf(PansaarPolicy::isCurrent);
        }
    }

    /** Whether an entry of the due heap is its copy's current one. */
    private static boolean isCurrent(Copy copy, int stamp) {
        return copy.resident && copy.schedules == stamp;
    }

    /** Tells {@code listener} the id of every object this cache evicts, in the order it evicts them. */
    public void onEviction(LongConsumer listener) {
        evictionListener = listener;
    }

    private void evict(Copy victim) {
        evictionListener.accept(victim.id);
        victim.resident = false;
        residentCount--;
        // Its waiting hits are lost with it, as production's fold finds the hash gone.
        victim.unfoldedRequests = 0;
        usedBytes -= victim.size;
        stats.recordEviction();
        ghostCount++;
        victim.ghostEntries++;
        ghostOrder.addLast(victim);
        // As many remembered histories as residents: production keeps a bounded history per partition. An entry for
        // an object admitted again since, or evicted again since (a later entry names it), is skipped.
        while (ghostCount > Math.max(1, residentCount)) {
            Copy oldest = ghostOrder.removeFirst();
            if (--oldest.ghostEntries == 0 && !oldest.resident) {
                known.remove(oldest.id);
                ghostCount--;
                // Only outdated due entries, which its stamp keeps outdated, and the list of copies with waiting hits,
                // where it has none (see foldWaitingHits), still name it.
                spareCopies.add(oldest);
            }
        }
    }

    /**
     * Returns a copy for an object the cache does not know, one the ghost forgot if there is one: a replay admits about
     * as many new objects as it forgets, and allocating a copy for each, on memory not touched before, cost more than
     * the rest of an admission.
     */
    private Copy newCopy(long id, long size) {
        Copy copy = spareCopies.isEmpty() ? new Copy() : spareCopies.remove(spareCopies.size() - 1);
        copy.reuseFor(id, size);
        return copy;
    }

    /** Returns how many copies were revalidated at the origin, on a request or early. */
    long revalidations() {
        return revalidations;
    }

    @Override
    public void finished() {
        super.finished();
        if (tuner != null) {
            tuner.finished();
        }
        if (justAdmittedEvictions > 0) {
            throw new IllegalStateException("pansaar: evicted the object just admitted " + justAdmittedEvictions + " times");
        }
        if (known.size() != residentCount + ghostCount) {
            throw new IllegalStateException("pansaar: knows " + known.size() + " objects, not " + residentCount
                    + " residents and " + ghostCount + " remembered");
        }
        int due = byDue.count(PansaarPolicy::isCurrent);
        if (byPriority.size() + probation.size() != residentCount || due > residentCount) {
            throw new IllegalStateException("pansaar: " + residentCount + " residents, " + byPriority.size()
                    + " ranked, " + probation.size() + " on probation, " + due + " due");
        }
        long probationRecounted = 0;
        for (Copy copy : probation) {
            if (!copy.onProbation || !copy.resident) {
                throw new IllegalStateException("pansaar: object " + copy.id + " is in the probation FIFO but not on probation");
            }
            probationRecounted += copy.size;
        }
        if (probationRecounted != probationBytes) {
            throw new IllegalStateException("pansaar: probation holds " + probationRecounted + " bytes, not " + probationBytes);
        }
        for (Copy spare : spareCopies) {
            if (spare.resident || known.get(spare.id) == spare) {
                throw new IllegalStateException("pansaar: a spare copy is still that of object " + spare.id);
            }
        }
        if (ghostCount > Math.max(1, residentCount)) {
            throw new IllegalStateException("pansaar: ghost remembers " + ghostCount + " objects, more than the "
                    + residentCount + " residents");
        }
        byPriority.forEach(copy -> {
            if (copy.ttl < minimumTtl || copy.ttl > maximumTtl) {
                throw new IllegalStateException("pansaar: object " + copy.id + " has TTL " + copy.ttl
                        + " outside " + minimumTtl + ".." + maximumTtl);
            }
            if (known.get(copy.id) != copy || !copy.resident) {
                throw new IllegalStateException("pansaar: object " + copy.id + " is ranked but not resident");
            }
        });
    }

    @Override
    protected long residentBytes() {
        long[] bytes = {0};
        byPriority.forEach(copy -> bytes[0] += copy.size);
        probation.forEach(copy -> bytes[0] += copy.size);
        return bytes[0];
    }
}
