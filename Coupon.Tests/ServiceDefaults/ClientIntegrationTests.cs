using System.Net;
using System.Net.Sockets;
using Confluent.Kafka;
using Coupon.Core.Data;
using Coupon.ServiceDefaults.Kafka;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace Coupon.Tests.ServiceDefaults;

// The client integrations without any server: configuration, defaults and failing fast.
public sealed class ClientIntegrationTests
{
    public static TheoryData<string, Action<IHostApplicationBuilder>> Integrations => new()
    {
        { "kafka", b => b.AddKafkaProducer<string, byte[]>("kafka") },
        { "kafka", b => b.AddKafkaConsumer<string, byte[]>("kafka", s => s.Config.GroupId = "tests") },
        { "coupondb", b => b.AddMySqlDbContext<CouponDbContext>("coupondb") },
    };

    [Theory]
    [MemberData(nameof(Integrations))]
    public void Each_integration_fails_at_start_naming_the_missing_connection_string(string name, Action<IHostApplicationBuilder> add)
    {
        var builder = Builder([]);

        var error = Assert.Throws<InvalidOperationException>(() => add(builder));

        Assert.Contains($"ConnectionStrings:{name}", error.Message);
    }

    [Fact]
    public void A_consumer_without_a_group_id_fails_at_start()
    {
        var builder = Builder(new() { ["ConnectionStrings:kafka"] = "127.0.0.1:9092" });

        var error = Assert.Throws<InvalidOperationException>(() => builder.AddKafkaConsumer<string, byte[]>("kafka"));

        Assert.Contains("Aspire:Confluent:Kafka:Consumer:Config:GroupId", error.Message);
    }

    [Fact]
    public void The_producer_is_idempotent_with_acks_all_and_reads_its_config_section()
    {
        var builder = Builder(new()
        {
            ["ConnectionStrings:kafka"] = "127.0.0.1:9092",
            ["Aspire:Confluent:Kafka:Producer:Config:LingerMs"] = "2",
            ["Aspire:Confluent:Kafka:Producer:Config:ClientId"] = "api",
        });
        KafkaProducerSettings? settings = null;

        builder.AddKafkaProducer<string, byte[]>("kafka", s => settings = s);

        Assert.NotNull(settings);
        Assert.Equal("127.0.0.1:9092", settings.Config.BootstrapServers);
        Assert.Equal(2, settings.Config.LingerMs);
        Assert.Equal("api", settings.Config.ClientId);
        Assert.True(settings.Config.EnableIdempotence);
        Assert.Equal(Acks.All, settings.Config.Acks);
    }

    [Fact]
    public void The_consumer_config_section_overrides_the_connection_string()
    {
        var builder = Builder(new()
        {
            ["ConnectionStrings:kafka"] = "127.0.0.1:9092",
            ["Aspire:Confluent:Kafka:Consumer:Config:BootstrapServers"] = "127.0.0.1:19092",
            ["Aspire:Confluent:Kafka:Consumer:Config:GroupId"] = "worker",
            ["Aspire:Confluent:Kafka:Consumer:Config:SessionTimeoutMs"] = "6000",
        });
        KafkaConsumerSettings? settings = null;

        builder.AddKafkaConsumer<string, byte[]>("kafka", s => settings = s);

        Assert.NotNull(settings);
        Assert.Equal("127.0.0.1:19092", settings.Config.BootstrapServers);
        Assert.Equal("worker", settings.Config.GroupId);
        Assert.Equal(6000, settings.Config.SessionTimeoutMs);
    }

    [Fact]
    public async Task Health_checks_are_unhealthy_when_nothing_listens()
    {
        var port = ClosedPort();
        var builder = Builder(new()
        {
            ["ConnectionStrings:kafka"] = $"127.0.0.1:{port}",
            ["ConnectionStrings:coupondb"] = $"Server=127.0.0.1;Port={port};User ID=root;Database=coupondb;Connection Timeout=2",
            ["Aspire:Confluent:Kafka:Producer:HealthCheckTimeout"] = "00:00:02",
            ["Aspire:Pomelo:EntityFrameworkCore:MySql:HealthCheckTimeout"] = "00:00:03",
        });
        builder.AddKafkaProducer<string, byte[]>("kafka");
        builder.AddKafkaConsumer<string, byte[]>("kafka", s => s.Config.GroupId = "tests");
        builder.AddMySqlDbContext<CouponDbContext>("coupondb", s => s.DisableRetry = true);
        using var host = builder.Build();

        var report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();

        Assert.Equal(["coupondb", "kafka"], report.Entries.Keys.Order());
        Assert.All(report.Entries.Values, e => Assert.Equal(HealthStatus.Unhealthy, e.Status));
    }

    private static HostApplicationBuilder Builder(Dictionary<string, string?> configuration)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(configuration);
        builder.Services.AddLogging();
        builder.Services.AddMetrics();
        return builder;
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
