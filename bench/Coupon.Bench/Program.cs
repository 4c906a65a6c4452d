using Coupon.Testing;
using Coupon.Bench;
using Coupon.Bench.Baseline;
using Coupon.Bench.Load;
using Coupon.Bench.Reporting;
using Coupon.Bench.Scaling;
using Coupon.Bench.Stack;
using Coupon.Bench.Steps;
using Coupon.Bench.Verification;

switch (args)
{
    case [BaselineServer.Command]:
        await BaselineServer.RunAsync();
        return 0;
    case [TokenVerificationBench.Command]:
        await TokenVerificationBench.RunAsync(Console.Out);
        return 0;
    case ["--help" or "-h"]:
        Console.WriteLine(BenchOptions.Usage);
        return 0;
}

var scaling = args is [ScalingRun.Command, ..];
BenchOptions options;
try
{
    options = BenchOptions.Parse(scaling ? args[1..] : args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};

var output = options.OutputDirectory ?? BenchOutput.DefaultDirectory();
var command = "dotnet run -c Release --project bench/Coupon.Bench" + (args.Length > 0 ? " -- " + string.Join(' ', args) : "");

var signing = DevelopmentTokenKeys.Generate();
Console.WriteLine($"Minting {options.Users:N0} user tokens ...");
var minting = System.Diagnostics.Stopwatch.StartNew();
var users = UserPool.Mint(signing, BenchOutput.FirstUserId, options.Users, TimeSpan.FromHours(3));
Console.WriteLine($"Minted in {minting.Elapsed.TotalSeconds:F1} s.");

if (scaling)
    return await ScalingRun.RunAsync(options, signing, users, command, output, Console.Out, stop.Token);

await using var stack = await AppHostBenchStack.StartAsync(options, signing, Console.Out, stop.Token);

var report = await new BenchRun(options, stack, users, Console.Out).RunAsync(stop.Token);

Directory.CreateDirectory(output);
ResultsChart.Save(report, Path.Combine(output, BenchOutput.ChartFile));
await File.WriteAllTextAsync(Path.Combine(output, BenchOutput.ResultsFile), MarkdownReport.Write(report, command, BenchOutput.ChartFile));

Console.WriteLine();
foreach (var check in Targets.Evaluate(report))
    Console.WriteLine($"  {(check.Met switch { true => "met    ", false => "MISSED ", null => "-      " })} {check.Target}: {check.Measured}");
Console.WriteLine($"Wrote {Path.Combine(output, BenchOutput.ResultsFile)} and {BenchOutput.ChartFile}.");
if (!report.InvariantsHold)
    Console.WriteLine("INVARIANTS VIOLATED: see the table.");
return report.InvariantsHold ? 0 : 1;
