package weft.lab;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.File;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import javax.imageio.ImageIO;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The topology page in a real browser: Debian's headless chromium, driven through Debian's chromedriver by Selenium
 * (the two come from one source package, so their versions match with nothing downloaded; Playwright would want its
 * own browser build from its CDN). Three hosts: 1 and 2 on the fast path, 3 with {@code --no-fastdp} so that its
 * pairs take the sleeve. The browser (in this JVM's namespace, through a {@link TcpRelay}) opens host 1's page; it
 * must draw three peers and three connections with the path each one's routers reported (host 2–host 3 is
 * reported by hosts 2 and 3 only, through the {@code links} gossip channel), keep a screenshot that is not blank, and,
 * when host 3's router stops, drop its node and its connections without a reload.
 */
@EnabledIf("weft.lab.Lab#runningAsRoot")
class TopologyPageIT {
    private static final Duration SETTLE = Duration.ofSeconds(60);
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium"), CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

    /**
     * What the page's DOM shows, read in one script: the page redraws on each update, so elements found by one call
     * could be gone by the next.
     */
    private static Set<String> read(WebDriver browser, String selector, String describe) {
        Object found = ((JavascriptExecutor) browser).executeScript(
                "return Array.from(document.querySelectorAll(arguments[0])).map(e => " + describe + ");", selector);
        return ((List<?>) found).stream().map(String::valueOf).collect(Collectors.toSet());
    }

    private static Set<String> edges(WebDriver browser) {
        return read(browser, "#graph g.edge", "e.dataset.from + '-' + e.dataset.to + ':' + e.dataset.path");
    }

    private static Set<String> nodes(WebDriver browser) {
        return read(browser, "#graph g.node", "e.dataset.peer");
    }

    private static String pair(String a, String b, String path) {
        return (a.compareTo(b) < 0 ? a + "-" + b : b + "-" + a) + ":" + path;
    }

    @Test
    void aBrowserDrawsTheMeshAndSeesAStoppedRouterGo() throws Exception {
        assertTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "chromium or chromedriver is missing: run scripts/setup.sh, which installs Debian's chromium and chromium-driver");
        try (Lab lab = Lab.create(3)) {
            Host h1 = lab.host(1), h2 = lab.host(2), h3 = lab.host(3);
            String p1 = lab.weft(h1, "launch", "--nickname", "host1", h2.underlayAddress(), h3.underlayAddress()).orThrow().stdout().strip();
            String p2 = lab.weft(h2, "launch", "--nickname", "host2", h1.underlayAddress(), h3.underlayAddress()).orThrow().stdout().strip();
            String p3 = lab.weft(h3, "launch", "--nickname", "host3", "--no-fastdp", h1.underlayAddress(), h2.underlayAddress())
                    .orThrow().stdout().strip();
            Set<String> expected = Set.of(pair(p1, p2, "fast"), pair(p1, p3, "sleeve"), pair(p2, p3, "sleeve"));

            ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM.toFile())
                    .addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1200,1000",
                            "--user-data-dir=" + Files.createDirectories(lab.dir().resolve("chromium")));
            ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                    .withLogFile(lab.dir().resolve("chromedriver.log").toFile()).build();
            try (TcpRelay relay = TcpRelay.into(h1.netns(), new InetSocketAddress(h1.underlayAddress(), 6782))) {
                WebDriver browser = new ChromeDriver(service, options);
                try {
                    browser.get("http://127.0.0.1:" + relay.address().getPort() + "/topology");
                    assertEquals(expected, Poll.until(() -> edges(browser), expected::equals, SETTLE));
                    assertEquals(Set.of(p1, p2, p3), nodes(browser));
                    assertEquals(Set.of(p1), read(browser, "#graph g.node.self", "e.dataset.peer"));
                    String page = (String) ((JavascriptExecutor) browser).executeScript("return document.body.innerText;");
                    for (String nickname : List.of("host1", "host2", "host3")) assertTrue(page.contains(nickname), page);
                    assertTrue(page.contains("host2 — host3") || page.contains("host3 — host2"),
                            "the table names the connection host 1 only heard of:\n" + page);

                    // traffic through the sleeve pair host1-host3 shows as that connection's throughput, and the
                    // allocator's shares on the peers that took addresses
                    String c1 = lab.container(h1, "c1"), c3 = lab.container(h3, "c3");
                    lab.weft(h1, "attach", "netns:" + c1).orThrow();
                    String a3 = Lab.firstAddress(lab.weft(h3, "attach", "netns:" + c3).orThrow().stdout());
                    Process ping = lab.spawn(c1, "ping", "-q", "-i", "0.01", "-s", "1400", a3);
                    String sleevePair = (p1.compareTo(p3) < 0 ? p1 + "-" + p3 : p3 + "-" + p1) + " ";
                    Pattern counted = Pattern.compile(".*[1-9][0-9.]* [kMG]bit/s.*");
                    try {
                        Set<String> labels = Poll.until(() -> read(browser, "#graph g.edge", "e.dataset.from + '-' + e.dataset.to + ' ' + e.textContent"),
                                found -> found.stream().anyMatch(l -> l.startsWith(sleevePair) && counted.matcher(l).matches()), SETTLE);
                        assertTrue(labels.stream().anyMatch(l -> l.startsWith(sleevePair) && counted.matcher(l).matches()),
                                "host1-host3 carries a ping flood: " + labels);
                    } finally {
                        ping.destroy();
                    }
                    Set<String> shares = read(browser, "#graph g.node", "e.dataset.peer + ' ' + e.textContent");
                    assertTrue(shares.stream().filter(n -> n.matches(".*IPAM[0-9.]+ %.*")).count() == 3, "shares of the range: " + shares);

                    byte[] png = ((ChromeDriver) browser).getScreenshotAs(OutputType.BYTES);
                    Path shot = Files.write(lab.dir().resolve("topology.png"), png);
                    Files.copy(shot, Path.of("target", "topology-page.png"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                    BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
                    Set<Integer> colours = new HashSet<>();
                    long inked = 0;
                    for (int y = 0; y < image.getHeight(); y += 2) {
                        for (int x = 0; x < image.getWidth(); x += 2) {
                            int rgb = image.getRGB(x, y) & 0xffffff;
                            colours.add(rgb);
                            if (rgb != 0xffffff && rgb != 0xfcfcfc) inked++;
                        }
                    }
                    long sampled = (long) ((image.getHeight() + 1) / 2) * ((image.getWidth() + 1) / 2);
                    System.out.println("TopologyPageIT: screenshot " + image.getWidth() + "x" + image.getHeight() + ", " + colours.size()
                            + " colours, " + (100 * inked / sampled) + " % not background, kept as cli/target/topology-page.png");
                    assertTrue(colours.contains(0x2e7d32) && colours.contains(0x1565c0), "the fast and the sleeve colours are drawn");
                    assertTrue(inked * 100 > sampled, "more than 1 % of the screenshot is not background");

                    long stopped = System.nanoTime();
                    lab.weft(h3, "stop").orThrow();
                    assertEquals(Set.of(p1, p2), Poll.until(() -> nodes(browser), Set.of(p1, p2)::equals, SETTLE));
                    assertEquals(Set.of(pair(p1, p2, "fast")), edges(browser));
                    System.out.println("TopologyPageIT: host 3's node left the page " + (System.nanoTime() - stopped) / 1_000_000 + " ms after weft stop began");
                } finally {
                    browser.quit();
                }
            }
        }
    }
}
