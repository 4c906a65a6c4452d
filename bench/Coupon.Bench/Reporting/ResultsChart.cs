using ScottPlot;

namespace Coupon.Bench.Reporting;

// bench/results.png: requests/s per step (with the ratio to the baseline), and p50/p99 latency.
public static class ResultsChart
{
    public static void Save(BenchReport report, string path)
    {
        var steps = report.Steps;
        var names = steps.Select(s => s.Name).ToArray();
        var positions = Enumerable.Range(0, steps.Count).Select(i => (double)i).ToArray();

        var throughput = new Plot();
        throughput.Title("Requests per second (ratio to baseline)");
        var bars = steps.Select((s, i) => new Bar
        {
            Position = i,
            Value = s.Load.RequestsPerSecond,
            Label = report.RatioToBaseline(s) is { } r ? $"{s.Load.RequestsPerSecond:N0} ({r:P0})" : $"{s.Load.RequestsPerSecond:N0}",
            FillColor = Colors.SteelBlue,
        }).ToList();
        var barPlot = throughput.Add.Bars(bars);
        barPlot.ValueLabelStyle.FontSize = 11;
        throughput.Axes.Bottom.SetTicks(positions, names);
        throughput.Axes.Margins(bottom: 0);
        throughput.YLabel("requests/s");

        var latency = new Plot();
        latency.Title("Latency per step (ms)");
        var p50 = latency.Add.Bars(steps.Select((s, i) => new Bar
        {
            Position = i * 3,
            Value = s.Load.Latency.Percentile(50) / 1000.0,
            FillColor = Colors.SeaGreen,
        }).ToList());
        p50.LegendText = "p50";
        var p99 = latency.Add.Bars(steps.Select((s, i) => new Bar
        {
            Position = i * 3 + 1,
            Value = s.Load.Latency.Percentile(99) / 1000.0,
            Label = $"{s.Load.Latency.Percentile(99) / 1000.0:F1}",
            FillColor = Colors.DarkOrange,
        }).ToList());
        p99.LegendText = "p99";
        latency.Axes.Bottom.SetTicks([.. positions.Select(p => p * 3 + 0.5)], names);
        latency.Axes.Margins(bottom: 0);
        latency.YLabel("ms");
        latency.ShowLegend(Alignment.UpperLeft);

        var multiplot = new Multiplot();
        // A new multiplot starts with one empty plot of its own.
        multiplot.RemovePlot(multiplot.GetPlot(0));
        multiplot.AddPlot(throughput);
        multiplot.AddPlot(latency);
        multiplot.Layout = new ScottPlot.MultiplotLayouts.Columns();
        multiplot.SavePng(path, 1600, 600);
    }
}
