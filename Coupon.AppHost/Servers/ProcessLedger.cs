using System.Globalization;

namespace Coupon.AppHost.Servers;

// Pid files of the running children in the state folder. The parent-death signal covers a killed
// owner; the ledger is the second line of defence (a child started before setpriv existed on the
// machine, a signal the kernel could not deliver): the next start kills whatever is still listed.
// A pid is identified together with its start time so that a recycled pid is never killed.
public sealed class ProcessLedger(string folder)
{
    public void Record(string resource, int pid, string program)
    {
        Directory.CreateDirectory(folder);
        if (StartTime(pid) is { } startTime)
        {
            File.WriteAllText(FileOf(resource, pid), $"{startTime}\n{program}\n");
        }
    }

    public void Forget(string resource, int pid) => File.Delete(FileOf(resource, pid));

    // Kills the children a previous owner left behind and returns a line for each.
    public IReadOnlyList<string> KillLeftovers()
    {
        if (!Directory.Exists(folder))
        {
            return [];
        }
        var killed = new List<string>();
        foreach (var file in Directory.GetFiles(folder, "*.pid"))
        {
            var name = Path.GetFileNameWithoutExtension(file);
            var pid = int.Parse(Path.GetExtension(name).TrimStart('.'), CultureInfo.InvariantCulture);
            var lines = File.ReadAllLines(file);
            if (lines.Length > 0 && StartTime(pid) == lines[0])
            {
                _ = ChildProcess.SendSignal(pid, 9);
                killed.Add($"{Path.GetFileNameWithoutExtension(name)} (pid {pid}, {lines.ElementAtOrDefault(1)})");
            }
            File.Delete(file);
        }
        return killed;
    }

    private string FileOf(string resource, int pid) =>
        Path.Combine(folder, string.Create(CultureInfo.InvariantCulture, $"{resource}.{pid}.pid"));

    // Field 22 of /proc/<pid>/stat: clock ticks since boot at which the process started.
    private static string? StartTime(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return fields[19];
        }
        catch (IOException)
        {
            return null;
        }
    }
}
