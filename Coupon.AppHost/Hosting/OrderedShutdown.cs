using Coupon.AppHost.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Coupon.AppHost.Hosting;

// The embedded Kafka lives in memory: events the worker has not persisted when it stops are lost.
// So on Ctrl+C or SIGTERM the projects stop first, each one after those that send to it (admin,
// then api, then the worker, which finishes its batch and commits on SIGTERM), and only then the
// cluster; DCP stops the servers afterwards. Registered after Aspire's own services, this one is
// stopped before them. The host's shutdown timeout leaves room for every project's bound and for
// DCP's cleanup after them (the default 30 s would cut a busy worker's last batch short).
internal sealed class OrderedShutdown(IServiceProvider services, ILogger<OrderedShutdown> logger) : IHostedService
{
    private static readonly string[] ProjectsInStopOrder = ["admin", "api", "worker"];
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan ShutdownTimeout = StopTimeout * ProjectsInStopOrder.Length + TimeSpan.FromSeconds(60);

    private Task? _stopping;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    // A stopped application is stopped again when it is disposed: once is enough.
    public Task StopAsync(CancellationToken cancellationToken) => _stopping ??= StopInOrderAsync(cancellationToken);

    private async Task StopInOrderAsync(CancellationToken cancellationToken)
    {
        var model = services.GetRequiredService<DistributedApplicationModel>();
        var commands = services.GetRequiredService<ResourceCommandService>();
        logger.LogInformation("Stopping {Projects} in that order, then the embedded Kafka", string.Join(", ", ProjectsInStopOrder));
        foreach (var project in ProjectsInStopOrder.Select(name => model.Resources.FirstOrDefault(resource => resource.Name == name)).OfType<IResource>())
        {
            // A project still waiting for its dependencies may never answer: DCP stops it anyway.
            using var patience = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            patience.CancelAfter(StopTimeout);
            try
            {
                await commands.ExecuteCommandAsync(project, KnownResourceCommands.StopCommand, patience.Token);
            }
            catch (Exception exception)
            {
                logger.LogWarning(exception, "Stopping {Resource} first failed", project.Name);
            }
        }
        foreach (var kafka in model.Resources.OfType<EmbeddedKafkaResource>())
        {
            await kafka.StopAsync(services.GetRequiredService<ResourceNotificationService>());
        }
    }

    public static void Register(IDistributedApplicationBuilder builder)
    {
        builder.Services.AddHostedService<OrderedShutdown>();
        builder.Services.Configure<HostOptions>(options => options.ShutdownTimeout = ShutdownTimeout);
    }
}
