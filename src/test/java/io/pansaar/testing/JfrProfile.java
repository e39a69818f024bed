package io.pansaar.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedMethod;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * Where a JVM spent its time and allocated its memory, from a Flight Recorder file ({@code settings=profile}):
 * execution samples by the frame on top (self), by every frame on the stack (inclusive) and by package, and
 * allocation samples by the frame that allocated and the first caller outside the JDK. A benchmark prints it to show which frames dominate.
 */
public final class JfrProfile {

    private static final String OWN_PACKAGE = "io.pansaar.";

    private JfrProfile() {
    }

    /** A plain-text summary of {@code recording}, with the {@code top} frames of each list. */
    public static String summarize(Path recording, int top) {
        Map<String, Integer> self = new HashMap<>();
        Map<String, Integer> inclusive = new HashMap<>();
        Map<String, Integer> inclusiveOwn = new HashMap<>();
        Map<String, Integer> packages = new HashMap<>();
        Map<String, Long> allocated = new HashMap<>();
        int samples = 0;
        long allocatedTotal = 0;
        try (RecordingFile file = new RecordingFile(recording)) {
            while (file.hasMoreEvents()) {
                RecordedEvent event = file.readEvent();
                String type = event.getEventType().getName();
                RecordedStackTrace stack = event.getStackTrace();
                if (stack == null || stack.getFrames().isEmpty()) {
                    continue;
                }
                List<RecordedFrame> frames = stack.getFrames();
                if (type.equals("jdk.ExecutionSample")) {
                    samples++;
                    String topFrame = name(frames.get(0));
                    self.merge(topFrame, 1, Integer::sum);
                    packages.merge(packageOf(frames.get(0)), 1, Integer::sum);
                    Set<String> seen = new HashSet<>();
                    for (RecordedFrame frame : frames) {
                        if (seen.add(name(frame))) {
                            inclusive.merge(name(frame), 1, Integer::sum);
                            if (name(frame).startsWith(OWN_PACKAGE)) {
                                inclusiveOwn.merge(name(frame), 1, Integer::sum);
                            }
                        }
                    }
                } else if (type.equals("jdk.ObjectAllocationSample")) {
                    long weight = event.getLong("weight");
                    allocatedTotal += weight;
                    allocated.merge(name(frames.get(0)) + " <- " + caller(frames), weight, Long::sum);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not read " + recording, e);
        }
        StringBuilder summary = new StringBuilder();
        summary.append(String.format(Locale.ROOT, "%,d execution samples%n", samples));
        summary.append("by package of the top frame:\n").append(ranked(packages, samples, top));
        summary.append("top frames (self):\n").append(ranked(self, samples, top));
        summary.append("frames on the stack (inclusive):\n").append(ranked(inclusive, samples, top));
        summary.append(OWN_PACKAGE).append(" frames on the stack (inclusive):\n").append(ranked(inclusiveOwn, samples, top));
        summary.append(String.format(Locale.ROOT, "allocation samples, %,d MB in all, by allocating frame:%n",
                allocatedTotal / 1_000_000));
        long allocatedBytes = allocatedTotal;
        allocated.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(top)
                .forEach(entry -> summary.append(String.format(Locale.ROOT, "  %5.1f%%  %s%n",
                        100.0 * entry.getValue() / Math.max(1, allocatedBytes), entry.getKey())));
        return summary.toString();
    }

    private static String ranked(Map<String, Integer> counts, int samples, int top) {
        return counts.entrySet().stream()
                .sorted(Comparator.comparing(Map.Entry<String, Integer>::getValue).reversed()).limit(top)
                .map(entry -> String.format(Locale.ROOT, "  %5.1f%%  %s", 100.0 * entry.getValue() / Math.max(1, samples),
                        entry.getKey()))
                .collect(Collectors.joining("\n", "", "\n"));
    }

    /** The first frame below the allocating one that is not the JDK's own: the code that asked for the memory. */
    private static String caller(List<RecordedFrame> frames) {
        for (RecordedFrame frame : frames.subList(1, frames.size())) {
            String name = name(frame);
            if (!name.startsWith("java.") && !name.startsWith("jdk.") && !name.startsWith("sun.")) {
                return name;
            }
        }
        return name(frames.get(frames.size() - 1));
    }

    private static String name(RecordedFrame frame) {
        RecordedMethod method = frame.getMethod();
        return method.getType().getName() + "." + method.getName();
    }

    private static String packageOf(RecordedFrame frame) {
        String type = frame.getMethod().getType().getName();
        String[] parts = type.split("\\.");
        return parts.length > 2 ? parts[0] + "." + parts[1] : type;
    }
}
