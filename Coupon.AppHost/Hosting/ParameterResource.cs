using Coupon.AppHost.Servers;

namespace Coupon.AppHost.Hosting;

// A secret the AppHost generates once and keeps in the state folder (Aspire's generated parameter,
// which Aspire keeps in user secrets). Configuration `Parameters:<name>` overrides it.
public class ParameterResource(string name, int minLength) : Resource(name), IValueProvider
{
    public int MinLength { get; } = minLength;

    public string ValueExpression => $"{{{Name}.value}}";

    public string GetValue(RunState state) => state.ParameterValue(this);

    public string Generate() => Secrets.NewPassword(MinLength);

    public override void WriteManifest(ManifestContext manifest)
    {
        var writer = manifest.Writer;
        writer.WriteString("type", "parameter.v0");
        writer.WriteString("value", $"{{{Name}.inputs.value}}");
        writer.WriteStartObject("inputs");
        writer.WriteStartObject("value");
        writer.WriteString("type", "string");
        writer.WriteBoolean("secret", true);
        writer.WriteStartObject("default");
        writer.WriteStartObject("generate");
        writer.WriteNumber("minLength", MinLength);
        writer.WriteBoolean("special", false);
        writer.WriteEndObject();
        writer.WriteEndObject();
        writer.WriteEndObject();
        writer.WriteEndObject();
    }
}

public static class ParameterBuilderExtensions
{
    // Aspire's default length for generated passwords.
    public const int DefaultMinLength = 22;

    public static IResourceBuilder<ParameterResource> AddParameter(this IDistributedApplicationBuilder builder, string name, int minLength = DefaultMinLength) =>
        builder.AddResource(new ParameterResource(name, minLength));
}
