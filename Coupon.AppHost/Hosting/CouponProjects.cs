namespace Coupon.AppHost.Hosting;

// The servers every issuing project is given, as Program.cs chose them.
public sealed record CouponServers(
    IResourceBuilder<IResourceWithConnectionString> Redis,
    IResourceBuilder<IResourceWithConnectionString> Kafka,
    IResourceBuilder<IResourceWithConnectionString> CouponDb)
{
    // The ones Program.cs added, by the names it gave them: for what adds more projects to its
    // model (the tests' spares, the bench's comparison server).
    public static CouponServers In(IDistributedApplicationBuilder builder) => new(
        builder.CreateResourceBuilder<IResourceWithConnectionString>("redis"),
        builder.CreateResourceBuilder<IResourceWithConnectionString>("kafka"),
        builder.CreateResourceBuilder<IResourceWithConnectionString>("coupondb"));
}

// The application's projects with their references, waits and environment. Program.cs adds each
// once; the tests add spare copies and the bench a comparison server with the same methods, so no
// copy can differ from what the AppHost runs.
public static class CouponProjects
{
    // The api owns the database migrations.
    public static IResourceBuilder<ProjectResource> AddApi(this IDistributedApplicationBuilder builder, string name, CouponServers servers, int? port = null) =>
        builder.AddProject<Projects.Coupon_Api>(name).WithAppHostEnvironment().WithLocalHttpEndpoint(port).AsIssuingServer(servers);

    // What the api is given, and whatever serves its issue route in its place.
    public static IResourceBuilder<ProjectResource> AsIssuingServer(this IResourceBuilder<ProjectResource> project, CouponServers servers) => project
        .WithServers(servers)
        .WithTokenTrust()
        .WithQuickTiering();

    // The worker drains what the api produced before Kafka stops (OrderedShutdown).
    public static IResourceBuilder<ProjectResource> AddWorker(this IDistributedApplicationBuilder builder, string name, CouponServers servers,
        IResourceBuilder<ProjectResource> api) =>
        builder.AddProject<Projects.Coupon_Worker>(name).WithAppHostEnvironment().WithLocalHttpEndpoint().WithServers(servers).WaitFor(api);

    // The operators' key only: the console mints operator tokens and no user's.
    public static IResourceBuilder<ProjectResource> AddAdmin(this IDistributedApplicationBuilder builder, string name, IResourceBuilder<ProjectResource> api,
        IResourceBuilder<ParameterResource> operatorTokenKey, IResourceBuilder<ParameterResource> operatorPassword, int? port = null) =>
        builder.AddProject<Projects.Coupon_Admin>(name)
            .WithAppHostEnvironment()
            .WithLocalHttpEndpoint(port)
            .WithReference(api).WaitFor(api)
            .WithEnvironment("Admin__OperatorTokenKey", operatorTokenKey)
            .WithEnvironment("Admin__Operator__UserName", DevelopmentTokens.OperatorUserName)
            .WithEnvironment("Admin__Operator__Password", operatorPassword);

    // In a local run the projects run in the AppHost's environment: Development for `./run.sh` and
    // `dotnet run` (the launch profile) and for the tests, so the api serves its OpenAPI document
    // and its Scalar UI. Without this they ran as Production, having no launch profile of their
    // own. A published manifest names no environment (a deployment runs Production), and the
    // bench sets Production over this.
    private static IResourceBuilder<ProjectResource> WithAppHostEnvironment(this IResourceBuilder<ProjectResource> project)
    {
        if (!project.ApplicationBuilder.ExecutionContext.IsRunMode)
            return project;
        var environment = project.ApplicationBuilder.Environment.EnvironmentName;
        return project.WithEnvironment("ASPNETCORE_ENVIRONMENT", environment).WithEnvironment("DOTNET_ENVIRONMENT", environment);
    }

    private static IResourceBuilder<ProjectResource> WithServers(this IResourceBuilder<ProjectResource> project, CouponServers servers) => project
        .WithReference(servers.Redis).WithReference(servers.Kafka).WithReference(servers.CouponDb)
        .WaitFor(servers.Redis).WaitFor(servers.Kafka).WaitFor(servers.CouponDb);
}
