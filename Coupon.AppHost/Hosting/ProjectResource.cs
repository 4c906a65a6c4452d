namespace Coupon.AppHost.Hosting;

// One of the solution's projects, run as `dotnet <built assembly>`.
public sealed class ProjectResource(string name, IProjectMetadata metadata) : Resource(name)
{
    public IProjectMetadata Metadata { get; } = metadata;

    // WithExternalHttpEndpoints: reachable from outside the application once deployed.
    public bool HasExternalHttpEndpoint { get; set; }

    // Referenced by another resource (service discovery) or external. Locally every project
    // listens on a loopback port anyway, for /health and /metrics.
    public bool PublishesHttpEndpoint(IEnumerable<Resource> resources) =>
        HasExternalHttpEndpoint || resources.Any(resource => resource.References.Contains(this));

    // WithOperatorLogin: the sign-in printed once the application is up (like the Aspire
    // dashboard's login link).
    public (string UserName, ParameterResource Password)? Login { get; set; }

    // The variables WithReference and WithEnvironment give the project: ConnectionStrings__<name>
    // for servers and databases, services__<name>__http__0 for projects.
    public IEnumerable<KeyValuePair<string, IValueProvider>> EnvironmentVariables() =>
        References.Select(reference => reference switch
        {
            IResourceWithConnectionString server => KeyValuePair.Create($"ConnectionStrings__{server.Name}", (IValueProvider)new ConnectionStringReference(server)),
            ProjectResource project => KeyValuePair.Create($"services__{project.Name}__http__0", project.HttpUrl),
            _ => throw new InvalidOperationException($"'{Name}' cannot reference '{reference.Name}'."),
        }).Concat(Environment);

    // Aspire's project entry: the project file, the environment with the references as manifest
    // expressions, and an http binding when the project publishes one.
    public override void WriteManifest(ManifestContext manifest)
    {
        var publishesHttp = PublishesHttpEndpoint(manifest.Resources);
        manifest.Writer.WriteString("type", "project.v0");
        manifest.Writer.WriteString("path", manifest.RelativePath(Metadata.ProjectPath));
        manifest.WriteEnvironment(
        [
            KeyValuePair.Create("OTEL_DOTNET_EXPERIMENTAL_OTLP_RETRY", "in_memory"),
            .. publishesHttp
                ? (KeyValuePair<string, string>[])
                [
                    KeyValuePair.Create("ASPNETCORE_FORWARDEDHEADERS_ENABLED", "true"),
                    KeyValuePair.Create("HTTP_PORTS", $"{{{Name}.bindings.http.targetPort}}"),
                ]
                : [],
            .. EnvironmentVariables().Select(pair => KeyValuePair.Create(pair.Key, pair.Value.ValueExpression)),
        ]);
        if (publishesHttp)
        {
            manifest.WriteBindings([new ManifestBinding("http", "http", "http", External: HasExternalHttpEndpoint)]);
        }
    }

    // services__<name>__http__0, Aspire's service discovery variable.
    public IValueProvider HttpUrl => new EndpointUrl(this);

    private sealed class EndpointUrl(ProjectResource project) : IValueProvider
    {
        public string ValueExpression => $"{{{project.Name}.bindings.http.url}}";

        public string GetValue(RunState state) => state.ProjectUrl(project);
    }
}

public static class ProjectBuilderExtensions
{
    public static IResourceBuilder<ProjectResource> AddProject<TProject>(this IDistributedApplicationBuilder builder, string name)
        where TProject : IProjectMetadata, new() =>
        builder.AddResource(new ProjectResource(name, new TProject()));

    public static IResourceBuilder<ProjectResource> WithOperatorLogin(
        this IResourceBuilder<ProjectResource> project, string userName, IResourceBuilder<ParameterResource> password)
    {
        project.Resource.Environment["Admin__Operator__UserName"] = new LiteralValue(userName);
        project.Resource.Environment["Admin__Operator__Password"] = password.Resource;
        project.Resource.Login = (userName, password.Resource);
        return project;
    }

    public static IResourceBuilder<ProjectResource> WithExternalHttpEndpoints(this IResourceBuilder<ProjectResource> project)
    {
        project.Resource.HasExternalHttpEndpoint = true;
        return project;
    }
}
