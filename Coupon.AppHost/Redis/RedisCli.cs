using System.Diagnostics;
using System.Globalization;

namespace Coupon.AppHost.Redis;

// Debian's redis-cli against the local shards, the password in REDISCLI_AUTH (never on its
// command line). Every call is bounded: a shard that hangs must not hang a health check.
internal sealed class RedisCli(string program, ParameterResource password)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    public Task<string> OnShardAsync(int port, string[] command, CancellationToken cancellationToken) =>
        RunAsync(["-h", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture), "-e", .. command], cancellationToken);

    public async Task<string> RunAsync(string[] arguments, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        start.Environment["REDISCLI_AUTH"] = await password.GetValueAsync(cancellationToken);
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bound.CancelAfter(Bound);
        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        try
        {
            var output = process.StandardOutput.ReadToEndAsync(bound.Token);
            var errors = process.StandardError.ReadToEndAsync(bound.Token);
            await process.WaitForExitAsync(bound.Token);
            // -e: an error reply is a failure too.
            if (process.ExitCode != 0)
                throw new InvalidOperationException($"redis-cli {string.Join(' ', arguments)} failed ({process.ExitCode}): {await output}{await errors}".Trim());
            return await output;
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            throw;
        }
    }
}
