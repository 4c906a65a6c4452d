namespace Coupon.ServiceDefaults.MySql;

// Stands in for Aspire.Pomelo.EntityFrameworkCore.MySql's settings: bound from
// `Aspire:Pomelo:EntityFrameworkCore:MySql`, as there. What differs: ServerVersion defaults to
// MariaDB 10.11 instead of asking the server.
public sealed class PomeloEntityFrameworkCoreMySqlSettings
{
    public string? ConnectionString { get; set; }

    // e.g. "10.11.6-mariadb" or "8.0.36-mysql"; MariaDB 10.11 when not set, so that starting
    // needs no round trip to the server (no AutoDetect).
    public string? ServerVersion { get; set; }

    public bool DisableRetry { get; set; }

    public bool DisableHealthChecks { get; set; }

    public bool DisableTracing { get; set; }

    public bool DisableMetrics { get; set; }

    public int? CommandTimeout { get; set; }

    public TimeSpan HealthCheckTimeout { get; set; } = TimeSpan.FromSeconds(3);
}
