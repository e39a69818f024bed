package io.pansaar.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Debian's Chromium, headless, driven through Debian's chromedriver: both are named by path, so Selenium
 * Manager never runs and nothing is downloaded. When either is missing the test fails and says what to
 * install, rather than skipping: CI installs them (.ci/run).
 */
public final class HeadlessChromium {

    /** Debian's {@code chromium} package. */
    public static final Path BROWSER = Path.of("/usr/bin/chromium");
    /** Debian's {@code chromium-driver} package. */
    public static final Path DRIVER = Path.of("/usr/bin/chromedriver");

    private HeadlessChromium() {
    }

    /** Starts Chromium with a fresh profile in {@code profile} and a window of the given size. */
    public static ChromeDriver start(Path profile, int width, int height) {
        for (Path needed : new Path[] { BROWSER, DRIVER }) {
            if (!Files.isExecutable(needed)) {
                throw new AssertionError(needed + " is missing: this test drives a real headless Chromium. Install "
                        + "Debian's browser and its driver: apt-get install -y chromium chromium-driver (.ci/run does)");
            }
        }
        try {
            Files.createDirectories(profile);
        } catch (IOException e) {
            throw new UncheckedIOException("could not create the browser profile " + profile, e);
        }
        // Selenium Manager would look for (and download) a driver when none is given; both are given, and this
        // property says so to every Selenium code path that checks it.
        System.setProperty("webdriver.chrome.driver", DRIVER.toString());
        ChromeOptions options = new ChromeOptions();
        options.setBinary(BROWSER.toFile());
        // No sandbox (CI runs as root in a container), no GPU, and none of the browser's own traffic: no QUIC,
        // no first-run, background, component-update or sync requests, so the page's requests are all it makes.
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--user-data-dir=" + profile.toAbsolutePath(),
                "--window-size=" + width + "," + height);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(DRIVER.toFile())
                .usingAnyFreePort()
                .withTimeout(Duration.ofSeconds(60))
                .build();
        return new ChromeDriver(service, options);
    }
}
