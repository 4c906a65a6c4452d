namespace Coupon.AppHost.Hosting;

// The container Aspire's own hosting integration would deploy for a server (mysql, kafka), written
// to the manifest with its connection string; locally the server runs without containers.
public sealed class ServerContainerResource(string name, Func<EndpointReference, ReferenceExpression> connectionString)
    : ContainerResource(name), IResourceWithConnectionString
{
    public const string PrimaryEndpointName = "tcp";

    public EndpointReference PrimaryEndpoint => new(this, PrimaryEndpointName);

    public ReferenceExpression ConnectionStringExpression => connectionString(PrimaryEndpoint);
}
