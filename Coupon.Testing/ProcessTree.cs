using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Coupon.Testing;

// What /proc says about the processes DCP started: a project resource's pid is its
// `dotnet run --no-build` wrapper, and the application it measures runs as that wrapper's child.
public static class ProcessTree
{
    // DCP, the orchestrator an AppHost starts (`dcp start-apiserver --monitor <AppHost pid>`,
    // detached), with its controllers and process monitors: it also runs the proxies in front of
    // proxied endpoints. Not the servers and projects it started.
    public static IReadOnlyList<int> DcpOf(int appHost) => [.. StartedBy(appHost).Where(pid => CommandName(pid) == "dcp")];

    // Everything an AppHost runs: its own children, and DCP (detached) with all it started.
    public static IReadOnlyList<int> StartedBy(int appHost)
    {
        var monitor = appHost.ToString(CultureInfo.InvariantCulture);
        var servers = AllPids().Where(pid => CommandLine(pid) is [_, "start-apiserver", .. var rest]
            && rest.Index().Any(arg => arg.Item == "--monitor" && rest.ElementAtOrDefault(arg.Index + 1) == monitor));
        return [.. servers.Prepend(appHost).SelectMany(root => Descendants(root).Prepend(root)).Distinct()];
    }

    // The application under a `dotnet run` wrapper, once started: the wrapper's deepest descendant
    // (it starts the built program and waits for it).
    public static int? ApplicationUnder(int dotnetRun) => Descendants(dotnetRun).LastOrDefault() is var pid and > 0 ? pid : null;

    // Children before grandchildren, from field 4 of /proc/<pid>/stat (the parent).
    public static IEnumerable<int> Descendants(int root)
    {
        var parents = AllPids()
            .Select(pid => (Pid: pid, Parent: ParentOf(pid)))
            .ToList();
        var level = new List<int> { root };
        while (level.Count > 0)
        {
            level = [.. parents.Where(process => level.Contains(process.Parent)).Select(process => process.Pid)];
            foreach (var pid in level)
                yield return pid;
        }
    }

    // SIGKILL of the process and everything it started, as an OOM kill or a power cut would.
    public static void Kill(int root)
    {
        foreach (var pid in Descendants(root).Prepend(root).ToList())
        {
            try
            {
                Process.GetProcessById(pid).Kill();
            }
            catch (ArgumentException)
            {
                // Gone already.
            }
        }
    }

    // A variable of the process's initial environment (/proc/<pid>/environ, NUL-separated).
    public static string? EnvironmentVariable(int pid, string name)
    {
        var prefix = name + "=";
        return File.ReadAllText($"/proc/{pid}/environ", Encoding.UTF8).Split('\0')
            .FirstOrDefault(entry => entry.StartsWith(prefix, StringComparison.Ordinal))?[prefix.Length..];
    }

    private static IReadOnlySet<int> AllPids() => Directory.EnumerateDirectories("/proc")
        .Select(folder => int.TryParse(Path.GetFileName(folder), CultureInfo.InvariantCulture, out var pid) ? pid : 0)
        .Where(pid => pid > 0)
        .ToHashSet();

    // Running, not a zombie waiting for its parent to reap it.
    public static bool IsAlive(int pid) => Read($"/proc/{pid}/stat") is { } stat && stat[(stat.LastIndexOf(')') + 2)..][0] != 'Z';

    public static string Describe(int pid) => $"{pid} {string.Join(' ', CommandLine(pid))}";

    private static string[] CommandLine(int pid) => Read($"/proc/{pid}/cmdline")?.Split('\0', StringSplitOptions.RemoveEmptyEntries) ?? [];

    private static string? CommandName(int pid) => Read($"/proc/{pid}/comm")?.TrimEnd('\n');

    // Null when the process is gone or not ours to read.
    private static string? Read(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static int ParentOf(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // The command name in parentheses may contain spaces: read after its closing one.
            return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return 0;
        }
    }
}
