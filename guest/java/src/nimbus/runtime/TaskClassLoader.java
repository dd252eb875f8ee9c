package nimbus.runtime;

import java.io.File;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The class loader for the function's code. Like AWS's: the task root, then its lib/*.jar in
 * name order, then the layers' /opt/java/lib/*.jar (the system property nimbus.optDir replaces
 * /opt where a sandbox cannot mount layers there); Nimbus also takes classes/ (the layout of a
 * zip built from a Maven or Gradle output folder) and jars at the task root. Its parent is the
 * runtime's own loader, so Nimbus's copies of the aws-lambda-java-core interfaces win over any
 * copy bundled in the function's jar, and the handler's Context is the runtime's Context.
 */
final class TaskClassLoader {
    private TaskClassLoader() {}

    static URLClassLoader create(String taskRoot) throws MalformedURLException {
        List<URL> urls = new ArrayList<URL>();
        File root = new File(taskRoot);
        urls.add(root.toURI().toURL());
        File classes = new File(root, "classes");
        if (classes.isDirectory()) urls.add(classes.toURI().toURL());
        addJars(new File(root, "lib"), urls);
        addJars(root, urls);
        addJars(new File(System.getProperty("nimbus.optDir", "/opt"), "java/lib"), urls);
        return new URLClassLoader(urls.toArray(new URL[0]), ClassLoader.getSystemClassLoader());
    }

    private static void addJars(File dir, List<URL> urls) throws MalformedURLException {
        String[] names = dir.list();
        if (names == null) return;
        Arrays.sort(names);
        for (String n : names) {
            File f = new File(dir, n);
            if (n.endsWith(".jar") && f.isFile()) urls.add(f.toURI().toURL());
        }
    }
}
