namespace Coupon.AppHost.Hosting;

// A flash sale starts cold, and its first seconds are the sale. With the runtime's defaults, on
// two cores under load, the api was still tiering its issue path up 45 s in: call counting waits
// for 100 ms without new tier-0 code, which a loaded api rarely has, and dynamic PGO compiles
// each hot method once more, instrumented. With neither, a fresh api's first 15 s of load gave
// 4,261–4,703 issues/s instead of 2,561–2,570, and the warm rate stayed within the spread of runs
// (bench/README.md, "Cold start"). The delay is read from the environment only, so both are set
// where the api is started, the manifest included.
public static class ColdStart
{
    public static IResourceBuilder<ProjectResource> WithQuickTiering(this IResourceBuilder<ProjectResource> project) =>
        project.WithEnvironment("DOTNET_TC_CallCountingDelayMs", "0")
            .WithEnvironment("DOTNET_TieredPGO", "0");
}
