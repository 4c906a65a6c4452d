namespace Coupon.AppHost.Hosting;

// In a local run the projects run in the AppHost's environment: Development for `./run.sh` and
// `dotnet run` (the launch profile) and for the tests, so the api serves its OpenAPI document and
// its Scalar UI. Without this they ran as Production, having no launch profile of their own. A
// published manifest names no environment (a deployment runs Production), and the bench sets
// Production over this.
public static class ProjectEnvironment
{
    public static void FromAppHost(IDistributedApplicationBuilder builder)
    {
        if (!builder.ExecutionContext.IsRunMode)
            return;
        var environment = builder.Environment.EnvironmentName;
        foreach (var project in builder.Resources.OfType<ProjectResource>())
        {
            builder.CreateResourceBuilder(project)
                .WithEnvironment("ASPNETCORE_ENVIRONMENT", environment)
                .WithEnvironment("DOTNET_ENVIRONMENT", environment);
        }
    }
}
