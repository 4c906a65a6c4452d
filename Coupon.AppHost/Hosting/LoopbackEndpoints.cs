namespace Coupon.AppHost.Hosting;

public static class LoopbackEndpoints
{
    // A server's tcp endpoint on 127.0.0.1 at a port DCP picks, not proxied: the issue path talks
    // to Redis and MySQL directly, without a hop through DCP's proxy.
    public static IResourceBuilder<T> WithLoopbackTcpEndpoint<T>(this IResourceBuilder<T> server, string name)
        where T : IResourceWithEndpoints =>
        server.WithEndpoint(name, annotation =>
        {
            annotation.UriScheme = "tcp";
            annotation.TargetHost = "127.0.0.1";
            annotation.IsProxied = false;
        }, createIfNotExists: true);

    // A local run serves plain http on loopback (a fixed port for api and admin, convenient for
    // curl). Without a certificate to configure, Aspire neither needs a trusted development
    // certificate nor shows its missing-certificate banner. The project counts as healthy (and
    // what waits for it starts) once its /health answers 200, not when its process starts.
    public static IResourceBuilder<ProjectResource> WithLocalHttpEndpoint(this IResourceBuilder<ProjectResource> project, int? port = null)
    {
#pragma warning disable ASPIRECERTIFICATES001 // Evaluation API: the only switch for this.
        return project.WithHttpEndpoint(port: port, name: "http").WithoutHttpsCertificate().WithHttpHealthCheck("/health");
#pragma warning restore ASPIRECERTIFICATES001
    }
}
