using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace Coupon.ServiceDefaults.Tracing;

// Which traces a project exports (Telemetry:Tracing): every failed or slow one, and a sample of
// the rest. A trace per request of a flash sale costs the api CPU and floods the collector; a
// developer's few requests under ./run.sh should all be there, so Development samples everything
// and anywhere else 1 %, which still shows what normal requests look like.
public sealed record TracingSettings
{
    public const string Section = "Telemetry:Tracing";

    public const double DevelopmentSampleRatio = 1.0;
    public const double DeployedSampleRatio = 0.01;

    // The share of traces kept whatever their outcome (0 to 1), decided at their root.
    public double SampleRatio { get; init; } = DeployedSampleRatio;

    // A local trace whose root took at least this long is kept, whatever the sample says.
    public TimeSpan SlowRequest { get; init; } = TimeSpan.FromMilliseconds(250);

    public static TracingSettings From(IConfiguration configuration, IHostEnvironment environment)
    {
        var section = configuration.GetSection(Section);
        var settings = new TracingSettings
        {
            SampleRatio = environment.IsDevelopment() ? DevelopmentSampleRatio : DeployedSampleRatio,
        };
        if (section[nameof(SampleRatio)] is { } ratio)
        {
            settings = double.TryParse(ratio, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value is >= 0 and <= 1
                ? settings with { SampleRatio = value }
                : throw Invalid(section, nameof(SampleRatio), ratio, "a number from 0 to 1 (0.01 keeps 1 % of the traces)");
        }
        if (section[nameof(SlowRequest)] is { } slow)
        {
            settings = TimeSpan.TryParse(slow, CultureInfo.InvariantCulture, out var value) && value > TimeSpan.Zero
                ? settings with { SlowRequest = value }
                : throw Invalid(section, nameof(SlowRequest), slow, "a positive time span (00:00:00.250)");
        }
        return settings;
    }

    private static InvalidOperationException Invalid(IConfigurationSection section, string key, string value, string expected) =>
        new($"Configuration '{section.Path}:{key}' is '{value}', which is not {expected}.");
}
