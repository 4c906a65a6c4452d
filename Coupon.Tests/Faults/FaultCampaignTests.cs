using System.Diagnostics;
using System.Globalization;
using Coupon.Tests.Fixture;
using Coupon.Tests.Issuing;
using Xunit.Abstractions;

namespace Coupon.Tests.Faults;

// The Jepsen way: clients issue to several campaigns through two api replicas, with repeated
// users, while a seeded schedule stops, slows, empties and kills the servers and processes one
// fault at a time; the clients' history is then judged against MySQL (HistoryChecker). The seed
// is printed and in every failure, so a run can be replayed: COUPON_FAULT_SEED=<seed>. The
// campaign lasts COUPON_FAULT_CAMPAIGN_SECONDS (180 by default; the README's long run is 1200).
[Collection(StackCollection.Name), Trait(StackCollection.Needs, StackCollection.Stack)]
public sealed class FaultCampaignTests(StackFixture stack, ITestOutputHelper output)
{
    private const int Clients = 24;
    private const int MinFaults = 12;
    private const int MinKinds = 5;
    private static readonly int?[] Quantities = [50, 400, 5_000, null];
    private static readonly TimeSpan ClientTimeout = TimeSpan.FromSeconds(10);
    // Longer than the api's longest decision (~3.5 s from its script to a recorded withdrawal),
    // as the README asks of Worker:ReconcileGrace.
    private static readonly TimeSpan ReconcileGrace = TimeSpan.FromSeconds(6);
    // The minimum number of faults may take this much longer than planned on a slow machine.
    private static readonly TimeSpan MaxOverrun = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan ServingTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(45);

    [Fact]
    public async Task Under_random_faults_every_202_is_one_row_and_only_a_202_or_an_unanswered_request_is()
    {
        var seed = Setting("COUPON_FAULT_SEED") ?? Random.Shared.Next();
        var planned = TimeSpan.FromSeconds(Setting("COUPON_FAULT_CAMPAIGN_SECONDS") ?? 180);
        var replay = $"COUPON_FAULT_SEED={seed} COUPON_FAULT_CAMPAIGN_SECONDS={planned.TotalSeconds}";
        output.WriteLine(replay);
        try
        {
            await RunAsync(seed, planned, replay);
        }
        catch (Exception e) when (!e.Message.Contains(replay, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"{replay}: {e.Message}", e);
        }
    }

    private async Task RunAsync(int seed, TimeSpan planned, string replay)
    {
        var shared = await stack.SharedProjectsAsync();
        // The reconciler re-publishes winners left without a row within the test.
        await using var worker = await stack.StartReconcilingWorkerAsync(ReconcileGrace);
        await using var spare = await stack.StartProjectAsync(CouponProject.Api);
        ProjectHandle[] apiReplicas = [shared.Api, spare];
        using var first = new IssuingClient(shared.Api.BaseAddress, stack.Tokens);
        using var second = new IssuingClient(spare.BaseAddress, stack.Tokens);
        first.Http.Timeout = second.Http.Timeout = ClientTimeout;
        await using var redis = new RedisProbe(stack.RedisConnectionString);
        var invariants = new CampaignInvariants(stack.CouponDbConnectionString);

        var now = await redis.NowAsync();
        var campaigns = new List<(long Id, int? Quantity)>();
        foreach (var quantity in Quantities)
            campaigns.Add(((await first.CreateCampaignAsync(quantity, now.AddMinutes(-1), now + planned + TimeSpan.FromMinutes(30))).Id, quantity));
        var history = new History();
        var clients = new CampaignClients([(shared.Api.Resource, first), (spare.Resource, second)], [.. campaigns.Select(c => c.Id)], history, seed);
        var faults = new StackFaults(stack, apiReplicas, worker);
        foreach (var process in faults.Processes)
            output.WriteLine(process);

        var schedule = new FaultSchedule(seed, apiReplicas.Length);
        var injected = new List<InjectedFault>();
        var clock = Stopwatch.StartNew();
        using var stop = new CancellationTokenSource();
        var load = clients.RunAsync(Clients, stop.Token);
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(3));
            while (clock.Elapsed < planned || (injected.Count < MinFaults && clock.Elapsed < planned + MaxOverrun))
            {
                var fault = schedule.Next();
                var at = history.Now;
                output.WriteLine($"{at.TotalSeconds,7:0.0} s  {fault}");
                injected.Add(new InjectedFault(at, fault, await faults.InjectAsync(fault)));
                await Task.Delay(fault.Settle);
            }
        }
        finally
        {
            await faults.HealAsync();
            await stop.CancelAsync();
            // Every request in flight ends within the client's timeout.
            await Task.WhenAny(load);
        }
        await load;
        var ran = clock.Elapsed;

        var violations = new List<string>();
        violations.AddRange(faults.Replaced());
        for (var api = 0; api < apiReplicas.Length; api++)
        {
            if (await ServingAsync(clients, api, campaigns[^1].Id) is { } notServing)
                violations.Add($"{apiReplicas[api].Resource} does not issue: {notServing}");
        }
        var drained = await DrainedAsync(campaigns, invariants, redis);
        var kills = injected.Where(fault => fault.Fault.Kind == FaultKind.ApiKilled)
            .Select(fault => (Api: apiReplicas[fault.Fault.ApiReplica].Resource, From: fault.At, To: fault.At + fault.Faulty)).ToList();
        var requests = history.Requests
            .Select(request => kills.Any(kill => kill.Api == request.Api && request.Start <= kill.To && request.End >= kill.From)
                ? request with { Answer = request.Answer.AcrossKill() }
                : request)
            .ToList();
        violations.AddRange(HistoryChecker.Check(requests, [.. drained.Select(c => c.Campaign)]));

        var summary = CampaignSummary.Lines(seed, ran, injected, requests, drained, violations);
        foreach (var line in summary.Concat(violations.Take(200)))
            output.WriteLine(line);
        var kinds = injected.Select(fault => fault.Fault.Kind).Distinct().Count();
        Assert.True(injected.Count >= MinFaults && kinds >= MinKinds,
            $"{replay}: {injected.Count} faults of {kinds} kinds, fewer than {MinFaults} of {MinKinds}.");
        Assert.True(violations.Count == 0,
            $"{replay}: {violations.Count} violations{Environment.NewLine}{string.Join(Environment.NewLine, summary.Concat(violations.Take(20)))}");
    }

    // Null once the api answers a new user's issue 202 (a campaign whose Redis state is being
    // rebuilt answers 503 meanwhile); the last answer otherwise.
    private static async Task<string?> ServingAsync(CampaignClients clients, int api, long unlimited)
    {
        var deadline = Stopwatch.StartNew();
        IssueAnswer answer;
        var probe = CampaignClients.FirstUser - 1_000 * (api + 1);
        do
        {
            answer = await clients.IssueAsync(api, unlimited, probe++);
            if (answer.Verdict == Verdict.Accepted)
                return null;
            await Task.Delay(500);
        }
        while (deadline.Elapsed < ServingTimeout);
        return answer.ToString();
    }

    // The campaigns once the worker has drained: every campaign's winners in Redis = its rows =
    // its issued_quantity, the same on two reads a second apart; as they are after DrainTimeout
    // otherwise (the checker then says what is missing).
    private static async Task<IReadOnlyList<(CampaignRows Campaign, long Winners)>> DrainedAsync(
        IReadOnlyList<(long Id, int? Quantity)> campaigns, CampaignInvariants invariants, RedisProbe redis)
    {
        var deadline = Stopwatch.StartNew();
        IReadOnlyList<(CampaignRows Campaign, long Winners)>? previous = null;
        while (true)
        {
            var current = new List<(CampaignRows Campaign, long Winners)>();
            foreach (var (id, quantity) in campaigns)
                current.Add((new CampaignRows(id, quantity, await invariants.RowsAsync(id), await invariants.IssuedQuantityAsync(id)), await redis.WinnersAsync(id)));
            var settled = current.All(c => c.Winners == c.Campaign.Rows.Count && c.Campaign.IssuedQuantity == c.Campaign.Rows.Count)
                && previous is not null && current.Select(c => c.Winners).SequenceEqual(previous.Select(c => c.Winners));
            if (settled || deadline.Elapsed > DrainTimeout)
                return current;
            previous = current;
            await Task.Delay(TimeSpan.FromSeconds(1));
        }
    }

    private static int? Setting(string name) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), CultureInfo.InvariantCulture, out var value) ? value : null;
}
