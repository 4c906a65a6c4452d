using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Coupon.Tests.Fixture;
using Coupon.Tests.Hosting;
using Coupon.Tests.Issuing;
using Xunit.Abstractions;

namespace Coupon.Tests.LoadTest;

// load-test/locustfile.py as the README runs it, headless for a few seconds against the shared
// stack: user tokens from the token command (with the keys the stack trusts) in a file, the
// campaign created by the Locust file with an operator token. Then MySQL: one 202 per user, every
// 202 a row, nothing for the others, rows ≤ quantity.
[Collection(StackCollection.Name), Trait(StackCollection.Needs, StackCollection.Stack)]
public sealed class LocustFlashSaleTests(StackFixture stack, ITestOutputHelper output) : SharedApiTests(stack), IDisposable
{
    private const int Users = 600;
    private const int Quantity = 200;
    private static readonly TimeSpan RunTime = TimeSpan.FromSeconds(30);
    // Locust stops itself when every user has had its turn, or at --run-time; past this it is SIGTERMed.
    private static readonly TimeSpan Overrun = TimeSpan.FromSeconds(30);

    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("coupon-locust-");
    private readonly string _userSecretsId = $"coupon-locust-tests-{Guid.NewGuid():N}";

    [Fact]
    public async Task The_locust_flash_sale_sells_out_with_one_202_per_user_and_a_row_for_each()
    {
        var tokens = Path.Combine(_folder.FullName, "tokens.txt");
        await File.WriteAllLinesAsync(tokens,
            await AppHostProcess.TokenAsync(["--users", $"1-{Users}", .. Stack.Tokens.Arguments], _userSecretsId));
        var answersFile = Path.Combine(_folder.FullName, "answers.json");

        var (exitCode, console) = await RunLocustAsync(
            "--headless", "--users", "50", "--spawn-rate", "50", "--run-time", $"{RunTime.TotalSeconds}s", "--only-summary",
            "--host", Api.Http.BaseAddress!.ToString().TrimEnd('/'),
            "--tokens", tokens, "--operator-token", Api.OperatorToken,
            "--quantity", Quantity.ToString(CultureInfo.InvariantCulture), "--answers", answersFile);
        output.WriteLine(console);

        // Exit code 0: every answer was 202, 409, or 429/503 with Retry-After, every poll a 200.
        Assert.True(exitCode == 0, $"locust exited {exitCode}");
        var sale = JsonNode.Parse(await File.ReadAllTextAsync(answersFile))!;
        var campaign = (long)sale["campaign"]!;
        var answers = sale["users"]!.AsObject().ToDictionary(
            user => long.Parse(user.Key, CultureInfo.InvariantCulture),
            user => user.Value!.AsArray().Select(answer => (string)answer!).ToList());
        Assert.Equal(Users, answers.Count);
        Assert.All(answers, user => Assert.True(user.Value.Count(answer => answer == "202") <= 1, $"user {user.Key}: {string.Join(", ", user.Value)}"));
        var accepted = answers.Where(user => user.Value.Contains("202")).Select(user => user.Key).ToList();
        Assert.Equal(Quantity, accepted.Count);
        await Invariants.AssertAsync(campaign, Quantity, accepted, [.. answers.Keys.Except(accepted)]);
    }

    public void Dispose()
    {
        _folder.Delete(recursive: true);
        // The token command's AppHost writes its dashboard keys into its user secrets.
        var secrets = AppHostProcess.UserSecretsFolder(_userSecretsId);
        if (Directory.Exists(secrets))
            Directory.Delete(secrets, recursive: true);
    }

    private static async Task<(int ExitCode, string Console)> RunLocustAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("locust")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = RepositoryPaths.Root,
        };
        start.ArgumentList.Add("--locustfile");
        start.ArgumentList.Add(Path.Combine(RepositoryPaths.Root, "load-test", "locustfile.py"));
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        var console = new StringBuilder();
        using var locust = new Process { StartInfo = start };
        locust.OutputDataReceived += (_, line) => Append(line.Data);
        locust.ErrorDataReceived += (_, line) => Append(line.Data);
        try
        {
            locust.Start();
        }
        catch (System.ComponentModel.Win32Exception error)
        {
            throw new InvalidOperationException("locust is not installed: sudo apt-get install -y python3-locust (test.sh installs it as root)", error);
        }
        locust.BeginOutputReadLine();
        locust.BeginErrorReadLine();
        try
        {
            await locust.WaitForExitAsync().WaitAsync(RunTime + Overrun);
        }
        catch (TimeoutException)
        {
            // Locust's SIGTERM handler still prints its tables and writes the answers.
            ProcessSignals.Terminate(locust.Id);
            if (!locust.WaitForExit(TimeSpan.FromSeconds(10)))
                locust.Kill(entireProcessTree: true);
            Assert.Fail($"locust overran --run-time by {Overrun.TotalSeconds} s:{Environment.NewLine}{Text()}");
        }
        locust.WaitForExit();
        return (locust.ExitCode, Text());

        void Append(string? line)
        {
            if (line is not null)
            {
                lock (console)
                    console.AppendLine(line);
            }
        }

        string Text()
        {
            lock (console)
                return console.ToString();
        }
    }
}
