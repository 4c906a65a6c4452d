namespace Coupon.AppHost.Hosting;

// The fluent handle the Add… methods return (Aspire's IResourceBuilder<T>).
public interface IResourceBuilder<out T>
{
    T Resource { get; }

    IDistributedApplicationBuilder ApplicationBuilder { get; }
}

internal sealed record ResourceBuilder<T>(T Resource, IDistributedApplicationBuilder ApplicationBuilder) : IResourceBuilder<T>
    where T : Resource;

public static class ResourceBuilderExtensions
{
    // ConnectionStrings__<name> for a server or database.
    public static IResourceBuilder<T> WithReference<T>(this IResourceBuilder<T> builder, IResourceBuilder<IResourceWithConnectionString> source)
        where T : Resource =>
        builder.Reference((Resource)source.Resource);

    // services__<name>__http__0 for a project (service discovery: http://<name>).
    public static IResourceBuilder<T> WithReference<T>(this IResourceBuilder<T> builder, IResourceBuilder<ProjectResource> source)
        where T : Resource =>
        builder.Reference(source.Resource);

    // Starts the resource only once the other one passes its health check.
    public static IResourceBuilder<T> WaitFor<T>(this IResourceBuilder<T> builder, IResourceBuilder<Resource> dependency)
        where T : Resource
    {
        builder.Resource.WaitsFor.Add(dependency.Resource);
        return builder;
    }

    // Stops the resource only after the other one has stopped, e.g. a consumer that must drain
    // what a producer sent.
    public static IResourceBuilder<T> WithShutdownAfter<T>(this IResourceBuilder<T> builder, IResourceBuilder<Resource> other)
        where T : Resource
    {
        builder.Resource.ShutdownAfter.Add(other.Resource);
        return builder;
    }

    public static IResourceBuilder<T> WithEnvironment<T>(this IResourceBuilder<T> builder, string name, string value)
        where T : Resource =>
        builder.WithEnvironment(name, new LiteralValue(value));

    public static IResourceBuilder<T> WithEnvironment<T>(this IResourceBuilder<T> builder, string name, IResourceBuilder<ParameterResource> parameter)
        where T : Resource =>
        builder.WithEnvironment(name, parameter.Resource);

    private static IResourceBuilder<T> WithEnvironment<T>(this IResourceBuilder<T> builder, string name, IValueProvider value)
        where T : Resource
    {
        builder.Resource.Environment[name] = value;
        return builder;
    }

    private static IResourceBuilder<T> Reference<T>(this IResourceBuilder<T> builder, Resource source)
        where T : Resource
    {
        builder.Resource.References.Add(source);
        return builder;
    }
}
