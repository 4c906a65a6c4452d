using System.Diagnostics;
using System.Text.RegularExpressions;
using Coupon.Core.Drawing;
using Coupon.Tests.Hosting;

namespace Coupon.Tests.Drawing;

public sealed class DrawAlgorithmTests
{
    private const string Seed = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

    [Fact]
    public void The_same_seed_and_entrants_give_the_same_winners_in_whatever_order_they_entered()
    {
        long[] entrants = [.. Enumerable.Range(1, 1000).Select(user => user * 7L)];
        var winners = DrawAlgorithm.Winners(Seed, entrants, 100);
        Assert.Equal(winners, DrawAlgorithm.Winners(Seed, entrants.Reverse(), 100));
        Assert.Equal(winners, DrawAlgorithm.Winners(Seed, [.. entrants, .. entrants.Take(50)], 100));
        Assert.Equal(100, winners.Distinct().Count());
        Assert.All(winners, winner => Assert.Contains(winner, entrants));
        Assert.NotEqual(winners, DrawAlgorithm.Winners(DrawAlgorithm.NewSeed(), entrants, 100));
    }

    [Fact]
    public void A_draw_gives_the_quantity_or_everyone_when_fewer_entered()
    {
        Assert.Equal([1L, 2, 3], DrawAlgorithm.Winners(Seed, [3, 1, 2], 10).Order());
        Assert.Empty(DrawAlgorithm.Winners(Seed, [], 10));
        Assert.Single(DrawAlgorithm.Winners(Seed, [5, 6], 1));
    }

    // Fixed values that an independent implementation of the documented algorithm gives (the
    // README's Python one gave these).
    [Fact]
    public void The_published_algorithm_gives_these_winners_for_this_seed()
    {
        Assert.Equal("630dcd2966c4336691125448bbb25b4ff412a49c732db2c8abc1b8581bd710dd", DrawAlgorithm.Hash(Seed));
        Assert.Equal([2L, 3, 5], DrawAlgorithm.Winners(Seed, [.. Enumerable.Range(1, 10).Select(user => (long)user)], 3));
        Assert.Equal([449554L, 196077, 173201, 30576, 377062], DrawAlgorithm.Winners(Seed, [.. Enumerable.Range(1, 100_000).Select(user => user * 7L)], 5));
    }

    // The README's audit code, run by python3 (which Locust's tests need anyway), recomputes what
    // the worker draws, for a fresh seed and entrants.
    [Fact]
    public async Task The_readme_python_recomputes_the_same_winners()
    {
        var readme = await File.ReadAllTextAsync(Path.Combine(RepositoryPaths.Root, "README.md"));
        var audit = Regex.Match(readme, "```python\n(.*?)```", RegexOptions.Singleline).Groups[1].Value;
        var seed = DrawAlgorithm.NewSeed();
        long[] entrants = [.. Enumerable.Range(0, 500).Select(_ => Random.Shared.NextInt64(1, 10_000_000))];
        var script = audit + $"\nprint(committed('{seed}', '{DrawAlgorithm.Hash(seed)}'), *winners('{seed}', [{string.Join(',', entrants)}], 40))\n";

        using var python = Process.Start(new ProcessStartInfo("python3", ["-c", script]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var printed = await python.StandardOutput.ReadToEndAsync();
        await python.WaitForExitAsync();
        Assert.True(python.ExitCode == 0, await python.StandardError.ReadToEndAsync());
        Assert.Equal(["True", .. DrawAlgorithm.Winners(seed, entrants, 40).Select(winner => winner.ToString(System.Globalization.CultureInfo.InvariantCulture))],
            printed.Split(' ', StringSplitOptions.TrimEntries));
    }

    // Each entrant of 10 wins 3 of them with probability 0.3: over 20,000 seeds every entrant's
    // count lies within 5 standard deviations (about 6,000 ± 324).
    [Fact]
    public void Every_entrant_has_the_same_chance()
    {
        const int draws = 20_000;
        var wins = new int[10];
        long[] entrants = [.. Enumerable.Range(0, 10).Select(user => (long)user)];
        for (var i = 0; i < draws; i++)
        {
            foreach (var winner in DrawAlgorithm.Winners(DrawAlgorithm.NewSeed(), entrants, 3))
                wins[winner]++;
        }
        var deviation = Math.Sqrt(draws * 0.3 * 0.7);
        Assert.All(wins, count => Assert.InRange(count, draws * 0.3 - 5 * deviation, draws * 0.3 + 5 * deviation));
    }
}
