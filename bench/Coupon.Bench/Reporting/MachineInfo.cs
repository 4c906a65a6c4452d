namespace Coupon.Bench.Reporting;

// What the numbers were measured on; they only mean something next to this.
public sealed record MachineInfo(int Cores, string CpuModel, long MemoryBytes, string LoadAverage, string Runtime)
{
    public static MachineInfo Read()
    {
        var model = File.ReadLines("/proc/cpuinfo")
            .FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown";
        var memoryKb = File.ReadLines("/proc/meminfo")
            .First(l => l.StartsWith("MemTotal:", StringComparison.Ordinal))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
        var load = string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        return new MachineInfo(Environment.ProcessorCount, model, long.Parse(memoryKb) * 1024, load,
            System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription);
    }
}
