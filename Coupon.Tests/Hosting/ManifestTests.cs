using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using NJsonSchema;

namespace Coupon.Tests.Hosting;

// `--publisher manifest`: run once for the class, written at the repository root like the
// committed aspire-manifest.json so that relative paths compare.
public sealed partial class ManifestTests(ManifestTests.Published published) : IClassFixture<ManifestTests.Published>
{
    [Fact]
    public void The_published_manifest_is_the_committed_aspire_manifest_json()
    {
        var committed = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "aspire-manifest.json"));

        Assert.Equal(committed, published.Text);
    }

    [Fact]
    public void Every_resource_has_its_type_and_the_fields_that_type_requires()
    {
        var resources = JsonNode.Parse(published.Text)!["resources"]!.AsObject();

        Assert.Superset(
            new HashSet<string>(["redis", "kafka", "mysql", "coupondb", "api", "worker", "admin", "redis-password", "mysql-password",
                "coupondb-password", "operator-token-key", "user-token-public-key", "operator-token-public-key", "admin-operator-password"]),
            resources.Select(resource => resource.Key).ToHashSet());
        // A deployment's users' tokens come from its identity provider: it holds no users' key.
        Assert.Null(resources["user-token-key"]);
        (string Name, string Image)[] containers =
            [("redis", "docker.io/library/redis:"), ("kafka", "docker.io/confluentinc/confluent-local:"), ("mysql", "docker.io/library/mysql:")];
        foreach (var (name, image) in containers)
        {
            var container = resources[name]!;
            Assert.Equal("container.v0", (string?)container["type"]);
            Assert.StartsWith(image, (string?)container["image"], StringComparison.Ordinal);
            Assert.NotEmpty((string?)container["connectionString"] ?? "");
            Assert.NotNull(container["bindings"]!["tcp"]!["targetPort"]);
        }
        Assert.Equal("value.v0", (string?)resources["coupondb"]!["type"]);
        // The application's own user, which the image creates with the database; never root.
        Assert.Equal("Server={mysql.bindings.tcp.host};Port={mysql.bindings.tcp.port};User ID=coupon;Password={coupondb-password.value};Database=coupondb",
            (string?)resources["coupondb"]!["connectionString"]);
        Assert.Equal("coupon", (string?)resources["mysql"]!["env"]!["MYSQL_USER"]);
        foreach (var project in (string[])["api", "worker", "admin"])
        {
            Assert.Equal("project.v0", (string?)resources[project]!["type"]);
            Assert.True(File.Exists(Path.Combine(RepositoryPaths.Root, (string)resources[project]!["path"]!)), $"{project}'s path");
        }
        Assert.True((bool)resources["api"]!["bindings"]!["http"]!["external"]!);
        Assert.True((bool)resources["admin"]!["bindings"]!["http"]!["external"]!);
        // The worker serves only /health and /metrics.
        Assert.Null(resources["worker"]!["bindings"]!["http"]!["external"]);
        Assert.Equal("{coupondb.connectionString}", (string?)resources["api"]!["env"]!["ConnectionStrings__coupondb"]);
        Assert.Equal("{api.bindings.http.url}", (string?)resources["admin"]!["env"]!["services__api__http__0"]);
        // The api verifies with the public keys, the admin signs with the operators' key only.
        Assert.Equal("{user-token-public-key.value}", (string?)resources["api"]!["env"]!["Authentication__Schemes__Bearer__UserPublicKey"]);
        Assert.Equal("{operator-token-public-key.value}", (string?)resources["api"]!["env"]!["Authentication__Schemes__Bearer__OperatorPublicKey"]);
        Assert.Equal("{operator-token-key.value}", (string?)resources["admin"]!["env"]!["Admin__OperatorTokenKey"]);
        foreach (var project in (string[])["api", "worker", "admin"])
        {
            var env = resources[project]!["env"]!.ToJsonString();
            Assert.DoesNotContain("{user-token-key.", env, StringComparison.Ordinal);
            Assert.Equal(project == "admin", env.Contains("{operator-token-key.", StringComparison.Ordinal));
        }
        foreach (var parameter in resources.Where(resource => (string?)resource.Value!["type"] == "parameter.v0"))
        {
            var input = parameter.Value!["inputs"]!["value"]!;
            if (parameter.Key.EndsWith("-token-public-key", StringComparison.Ordinal))
            {
                Assert.Null(input["secret"]);
                Assert.Null(input["default"]);
            }
            else if (parameter.Key.EndsWith("-token-key", StringComparison.Ordinal))
            {
                // An RSA key is no generated string: a deployment brings its own.
                Assert.True((bool)input["secret"]!);
                Assert.Null(input["default"]);
            }
            else
            {
                Assert.True((bool)input["secret"]!);
                Assert.NotNull(input["default"]!["generate"]!["minLength"]);
            }
        }
    }

    [Fact]
    public void Every_expression_names_a_resource_of_the_manifest()
    {
        var names = JsonNode.Parse(published.Text)!["resources"]!.AsObject().Select(resource => resource.Key).ToHashSet();

        var referenced = Expression().Matches(published.Text).Select(match => match.Groups["resource"].Value).ToHashSet();

        Assert.Subset(names, referenced);
    }

    [Fact]
    public async Task The_published_manifest_is_valid_against_the_Aspire_schema()
    {
        var schema = await JsonSchema.FromJsonAsync(ReadableByNJsonSchema(await File.ReadAllTextAsync(RepositoryPaths.AspireSchema())));
        var withoutImage = JsonNode.Parse(published.Text)!;
        withoutImage["resources"]!["redis"]!.AsObject().Remove("image");

        Assert.Empty(schema.Validate(published.Text).Select(error => $"{error.Path}: {error.Kind}"));
        Assert.NotEmpty(schema.Validate(withoutImage.ToJsonString()));
    }

    // NJsonSchema reads neither draft-07 boolean schemas (`"build": false` forbids the property)
    // nor `const`; `{ "not": {} }`, `{}` and a one-value `enum` say the same in the form it reads.
    private static string ReadableByNJsonSchema(string schema)
    {
        var root = JsonNode.Parse(schema)!;
        var objects = Descendants(root).OfType<JsonObject>().ToList();
        foreach (var properties in objects.Select(node => node["properties"]).OfType<JsonObject>())
        {
            foreach (var name in properties.Where(property => property.Value is JsonValue).Select(property => property.Key).ToList())
            {
                properties[name] = properties[name]!.GetValue<bool>() ? new JsonObject() : new JsonObject { ["not"] = new JsonObject() };
            }
        }
        foreach (var constant in objects.Where(node => node["const"] is JsonValue))
        {
            constant["enum"] = new JsonArray(constant["const"]!.DeepClone());
            constant.Remove("const");
        }
        return root.ToJsonString();
    }

    private static IEnumerable<JsonNode> Descendants(JsonNode node) =>
        node switch
        {
            JsonObject obj => obj.Select(pair => pair.Value).OfType<JsonNode>().SelectMany(Descendants).Prepend(node),
            JsonArray array => array.OfType<JsonNode>().SelectMany(Descendants).Prepend(node),
            _ => [node],
        };

    [GeneratedRegex(@"\{(?<resource>[a-z0-9-]+)\.(connectionString|value|bindings|inputs)")]
    private static partial Regex Expression();

    public sealed class Published : IAsyncLifetime
    {
        private readonly string _path = Path.Combine(RepositoryPaths.Root, $"aspire-manifest.{Guid.NewGuid():N}.json");

        public string Text { get; private set; } = "";

        public async Task InitializeAsync()
        {
            try
            {
                await using var appHost = AppHostProcess.Start(["--publisher", "manifest", "--output-path", _path]);
                Assert.Equal(0, await appHost.Exited.WaitAsync(TimeSpan.FromSeconds(60)));
                Text = await File.ReadAllTextAsync(_path);
            }
            finally
            {
                File.Delete(_path);
            }
        }

        public Task DisposeAsync() => Task.CompletedTask;
    }
}
