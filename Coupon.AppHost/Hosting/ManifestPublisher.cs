using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.Extensions.Configuration;

namespace Coupon.AppHost.Hosting;

// `--publisher manifest --output-path <file>`: writes the resources in Aspire's manifest format
// (aspire-8.0.json schema) and starts nothing. Servers become the containers Aspire would run.
internal sealed class ManifestPublisher(IConfiguration configuration, IReadOnlyList<Resource> resources)
{
    public int Publish()
    {
        var outputPath = Path.GetFullPath(configuration["output-path"] is { Length: > 0 } configured ? configured : "aspire-manifest.json");
        Directory.CreateDirectory(Path.GetDirectoryName(outputPath)!);
        using (var stream = File.Create(outputPath))
        {
            using var writer = new Utf8JsonWriter(stream, new JsonWriterOptions
            {
                Indented = true,
                Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            });
            var manifest = new ManifestContext(writer, Path.GetDirectoryName(outputPath)!, resources);
            writer.WriteStartObject();
            writer.WriteStartObject("resources");
            // As Aspire does: the resources in the order they were added, then the parameters.
            foreach (var resource in resources.Where(r => r is not ParameterResource).Concat(resources.OfType<ParameterResource>()))
            {
                writer.WriteStartObject(resource.Name);
                resource.WriteManifest(manifest);
                writer.WriteEndObject();
            }
            writer.WriteEndObject();
            writer.WriteEndObject();
        }
        File.AppendAllText(outputPath, "\n");
        Console.WriteLine($"Published manifest to: {outputPath}");
        return 0;
    }
}

// What a resource needs to write its manifest entry.
public sealed class ManifestContext(Utf8JsonWriter writer, string manifestDirectory, IReadOnlyList<Resource> resources)
{
    public Utf8JsonWriter Writer { get; } = writer;

    public IReadOnlyList<Resource> Resources { get; } = resources;

    // Paths in the manifest are relative to the manifest file, with forward slashes.
    public string RelativePath(string path) => Path.GetRelativePath(manifestDirectory, path).Replace('\\', '/');

    public void WriteContainer(string image, string connectionString)
    {
        Writer.WriteString("type", "container.v0");
        Writer.WriteString("connectionString", connectionString);
        Writer.WriteString("image", image);
    }

    public void WriteVolume(string name, string target)
    {
        Writer.WriteStartArray("volumes");
        Writer.WriteStartObject();
        Writer.WriteString("name", name);
        Writer.WriteString("target", target);
        Writer.WriteBoolean("readOnly", false);
        Writer.WriteEndObject();
        Writer.WriteEndArray();
    }

    public void WriteEnvironment(IEnumerable<KeyValuePair<string, string>> variables)
    {
        Writer.WriteStartObject("env");
        foreach (var (name, value) in variables)
        {
            Writer.WriteString(name, value);
        }
        Writer.WriteEndObject();
    }

    public void WriteBindings(IEnumerable<ManifestBinding> bindings)
    {
        Writer.WriteStartObject("bindings");
        foreach (var binding in bindings)
        {
            Writer.WriteStartObject(binding.Name);
            Writer.WriteString("scheme", binding.Scheme);
            Writer.WriteString("protocol", "tcp");
            Writer.WriteString("transport", binding.Transport);
            if (binding.External)
            {
                Writer.WriteBoolean("external", true);
            }
            if (binding.TargetPort is { } targetPort)
            {
                Writer.WriteNumber("targetPort", targetPort);
            }
            Writer.WriteEndObject();
        }
        Writer.WriteEndObject();
    }
}

public sealed record ManifestBinding(string Name, string Scheme, string Transport, int? TargetPort = null, bool External = false);
