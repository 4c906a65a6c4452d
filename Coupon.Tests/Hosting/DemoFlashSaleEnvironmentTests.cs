using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Coupon.AppHost.Demo;
using Coupon.AppHost.Hosting;
using Coupon.Tests.Fixture;

namespace Coupon.Tests.Hosting;

// The demo flash sale is a Development tool: the AppHost's model has it on the api in a
// Development run and nowhere else (a Production run, the manifest publisher). The model only:
// nothing starts.
[Collection(AppHostModelCollection.Name)]
public sealed class DemoFlashSaleEnvironmentTests : IDisposable
{
    private readonly DirectoryInfo _state = Directory.CreateTempSubdirectory("coupon-demo-model-");

    [Theory]
    [InlineData("Development", false, true)]
    [InlineData("Production", false, false)]
    [InlineData("Development", true, false)]
    public async Task The_api_has_the_command_only_in_a_Development_run(string environment, bool publish, bool expected)
    {
        string[] arguments = publish ? ["--publisher", "manifest", "--output-path", Path.Combine(_state.FullName, "manifest.json")] : [];
        await using var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Coupon_AppHost>(
            [$"--{StateFolder.PathKey}={_state.FullName}", .. arguments],
            (_, settings) => settings.EnvironmentName = environment);

        var api = builder.Resources.Single(resource => resource.Name == "api");
        Assert.Equal(publish, builder.ExecutionContext.IsPublishMode);
        Assert.Equal(expected, api.Annotations.OfType<ResourceCommandAnnotation>().Any(command => command.Name == DemoFlashSale.CommandName));
    }

    public void Dispose() => _state.Delete(recursive: true);
}
