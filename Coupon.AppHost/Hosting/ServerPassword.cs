namespace Coupon.AppHost.Hosting;

public static class ServerPassword
{
    // A server's password: generated on the first run and kept in the user secrets.
    public static IResourceBuilder<ParameterResource> AddServerPassword(this IDistributedApplicationBuilder builder, string name) =>
        builder.AddParameter(name, new GenerateParameterDefault { MinLength = 24, Special = false }, secret: true, persist: true);
}
