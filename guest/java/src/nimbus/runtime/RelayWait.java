package nimbus.runtime;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * In a network-isolated sandbox, SDK calls reach Nimbus through socat relays on loopback
 * (127.0.0.1:9002, and Nimbus's own port), which the launch script starts in the background and
 * does not wait for: their start overlaps the JVM's, instead of costing a polling loop of `sleep`
 * processes before it (docs/performance.md, cold starts). The bootstrap waits here, just before
 * the handler loads (its init may call the SDK), until each port listens. The ports come in the
 * system property nimbus.apiRelayPorts (the launcher moves them there from the environment).
 */
final class RelayWait {
    private RelayWait() {}

    /** Returns once every port listens on 127.0.0.1, or after 10 s (stderr then says why). */
    static void await(String ports) {
        if (ports == null || ports.isEmpty()) return;
        List<String> addresses = new ArrayList<>();
        for (String p : ports.split(",")) {
            try {
                int n = Integer.parseInt(p.trim());
                if (n > 0 && n < 65536) addresses.add(String.format("0100007F:%04X", n));
            } catch (NumberFormatException e) {
                // Not a port: nothing to wait for.
            }
        }
        if (addresses.isEmpty()) return;
        long deadline = System.nanoTime() + 10_000_000_000L;
        for (;;) {
            Set<String> listening = new HashSet<>();
            try {
                // /proc/net/tcp: "sl local rem st ...", state 0A is LISTEN.
                for (String line : Files.readAllLines(Paths.get("/proc/net/tcp"), StandardCharsets.ISO_8859_1)) {
                    String[] f = line.trim().split("\\s+");
                    if (f.length > 3 && f[3].equals("0A")) listening.add(f[1]);
                }
            } catch (IOException e) {
                return;
            }
            if (listening.containsAll(addresses)) return;
            if (System.nanoTime() > deadline) {
                System.err.println("nimbus: the relay to Nimbus's API (127.0.0.1:" + ports + ") did not start");
                return;
            }
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
