using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Coupon.Bench.Load;
using Coupon.Bench.Verification;
using Coupon.Core.Contracts;

namespace Coupon.Bench.Steps;

// The draw step: new users entering a draw campaign, warmed up and measured like the issue step,
// then its draw; then a second campaign that DrawEntrants users enter as fast as they can, whose
// draw is timed by the worker (its log line) and end to end (from the window's end to the seed
// in the public view). Each draw is checked in MySQL against DrawAlgorithm.
public sealed partial class BenchRun
{
    private const int DrawQuantity = 1_000;
    // The entries' window outlasts their warm-up and measured run by this much.
    private static readonly TimeSpan EntryWindowMargin = TimeSpan.FromSeconds(5);
    // The second window is this many times what its entrants need at the rate just measured.
    private const double FillingWindowFactor = 1.5;
    // Its entrants stop this long before its window ends, so that none meets `drawing`.
    private static readonly TimeSpan FillingStopsBefore = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan SeedPollInterval = TimeSpan.FromMilliseconds(50);
    // The worker's grace (5 s) and round (1 s), the group's drain, the draw and the api's cache.
    private static readonly TimeSpan DrawTimeout = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan WorkerLogTimeout = TimeSpan.FromSeconds(10);

    private async Task<DrawResult> DrawAsync(CancellationToken cancellationToken)
    {
        var entering = await Campaigns.CreateDrawAsync("bench: draw entries", DrawQuantity,
            WindowSeconds(options.Warmup + options.Duration + EntryWindowMargin), cancellationToken);
        var plan = Plan("draw", stack.ApiAddress, entering.Id, Accepted);
        var warmup = await RunAsync(plan with { Name = "draw warm-up", Duration = options.Warmup }, cancellationToken);
        var (entries, cores) = await MeasureAsync(plan with { FirstUser = (int)warmup.UsersTaken }, cancellationToken);
        Log($"draw entries: {DrawResult.EntriesPerSecondOf(entries):N0} entries/s, " +
            $"p50 {Ms(entries.Latency.Percentile(50))} p99 {Ms(entries.Latency.Percentile(99))}, errors {entries.Errors:N0}");
        var entriesDraw = await DrawnAsync(entering, [warmup, entries], cancellationToken);

        // Other campaigns' entrants: the same users may enter again.
        var entrants = Math.Min(options.DrawEntrants, users.Count);
        var rate = Math.Max(DrawResult.EntriesPerSecondOf(entries), 1);
        var filled = await Campaigns.CreateDrawAsync($"bench: draw of {entrants:N0}", DrawQuantity,
            WindowSeconds(TimeSpan.FromSeconds(entrants / rate * FillingWindowFactor) + EntryWindowMargin), cancellationToken);
        var fillingTime = filled.Draw!.DrawAt - DateTimeOffset.UtcNow - FillingStopsBefore;
        var filling = await RunAsync(Plan("draw entrants", stack.ApiAddress, filled.Id, Accepted) with
        {
            Duration = fillingTime > TimeSpan.Zero ? fillingTime : TimeSpan.Zero,
            MaxRequests = entrants,
        }, cancellationToken);
        Log($"draw of {entrants:N0}: {filling.StatusCount(202):N0} entered in {filling.Elapsed.TotalSeconds:F1} s, errors {filling.Errors:N0}");
        var draw = await DrawnAsync(filled, [filling], cancellationToken);
        return new DrawResult(entries, cores, entriesDraw, filling, draw);
    }

    private static int WindowSeconds(TimeSpan window) =>
        Math.Clamp((int)Math.Ceiling(window.TotalSeconds), CampaignRules.MinDrawWindowSeconds, CampaignRules.MaxDrawWindowSeconds);

    // Waits for the draw to be public, then reads the worker's time for it and checks it.
    private async Task<MeasuredDraw> DrawnAsync(CampaignView campaign, LoadResult[] runs, CancellationToken cancellationToken)
    {
        var windowEnd = campaign.Draw!.DrawAt;
        if (windowEnd - DateTimeOffset.UtcNow is { Ticks: > 0 } untilEnd)
            await Task.Delay(untilEnd, cancellationToken);

        using var http = new HttpClient { BaseAddress = stack.ApiAddress, Timeout = TimeSpan.FromSeconds(30) };
        PublicCampaign view;
        DateTimeOffset seenAt;
        while (true)
        {
            view = await http.GetFromJsonAsync<PublicCampaign>($"/api/coupons/{campaign.Id}", cancellationToken)
                ?? throw new InvalidOperationException($"Campaign {campaign.Id} came back empty.");
            seenAt = DateTimeOffset.UtcNow;
            if (view.Draw?.Seed is not null)
                break;
            if (seenAt - windowEnd > DrawTimeout)
                throw new InvalidOperationException($"The draw of campaign {campaign.Id} was not public {DrawTimeout.TotalSeconds:F0} s after its window ended.");
            await Task.Delay(SeedPollInterval, cancellationToken);
        }
        var published = view.Draw;
        var workerTime = await WorkerDrawTimeAsync(campaign.Id, cancellationToken);

        var entered = runs.SelectMany(r => r.Accepted).Select(a => a.UserId).ToList();
        var unknown = runs.SelectMany(r => r.UnknownOutcome).ToHashSet();
        var quantity = campaign.TotalQuantity!.Value;
        var check = await DrawVerification.CheckAsync(stack.MySqlConnectionString, campaign.Id, published.Seed, published.SeedHash,
            quantity, entered, unknown, cancellationToken);
        // The usual invariants, without the ones of first come: an entrant answered 202 may lose.
        var invariants = await _invariants.CheckAsync(campaign.Id, [], refused: _ => false, options.DrainTimeout, cancellationToken);
        invariants = invariants with { Accepted = entered.Count, Violations = [.. invariants.Violations, .. check.Violations] };

        var measured = new MeasuredDraw(campaign.Id, published.WindowSeconds, quantity, check.Entrants, published.Winners ?? 0, workerTime,
            (published.DrawnAt ?? seenAt) - windowEnd, seenAt - windowEnd, invariants);
        Log($"draw of campaign {campaign.Id}: {measured.Entrants:N0} entrants, {measured.Winners:N0} winners; the worker's transaction " +
            $"{(workerTime is { } time ? $"{time.TotalMilliseconds:F0} ms" : "not in its log")}; from the window's end " +
            $"{measured.WindowEndToDrawn.TotalSeconds:F2} s to drawn, {measured.WindowEndToSeed.TotalSeconds:F2} s to the seed in public; invariants {invariants.Summary}");
        return measured;
    }

    // The ElapsedMs of the worker's "Made the draw of campaign …" line (CampaignDraws), which is
    // written once the transaction commits, moments before the api can show the seed.
    private async Task<TimeSpan?> WorkerDrawTimeAsync(long campaignId, CancellationToken cancellationToken)
    {
        var line = new Regex($@"Made the draw of campaign {campaignId}: \d+ entrant\(s\), \d+ winner\(s\) in (\d+) ms");
        var clock = Stopwatch.StartNew();
        while (true)
        {
            foreach (var output in await stack.WorkerOutputAsync(cancellationToken))
            {
                if (line.Match(output) is { Success: true } made)
                    return TimeSpan.FromMilliseconds(long.Parse(made.Groups[1].Value, CultureInfo.InvariantCulture));
            }
            if (clock.Elapsed > WorkerLogTimeout)
                return null;
            await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken);
        }
    }
}
