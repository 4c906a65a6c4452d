using Coupon.AppHost.Hosting;
using Coupon.AppHost.Kafka;
using Coupon.AppHost.MySql;
using Coupon.AppHost.Redis;

if (args is ["token", .. var tokenArguments])
    return await DevelopmentTokens.RunTokenCommandAsync(tokenArguments);

var builder = DistributedApplication.CreateBuilder(StateFolder.WithoutFreshSwitch(args));
builder.WipeStateWhenFresh(args);

// Each server is the one its configured connection string names (then nothing starts), the
// container Aspire deploys in the manifest, or a local one (README: External servers, Running at scale).
var publish = builder.ExecutionContext.IsPublishMode;
bool External(string name) => builder.Configuration.GetConnectionString(name) is not null;

IResourceBuilder<IResourceWithConnectionString> redis = External("redis") ? builder.AddExternalRedis("redis")
    : publish ? builder.AddRedisContainer("redis")
    : builder.Configuration.GetValue(RedisClusterBuilderExtensions.ShardsKey, 1) is var shards and not 1 ? builder.AddRedisCluster("redis", shards)
    : builder.AddRedisServer("redis");
IResourceBuilder<IResourceWithConnectionString> kafka = External("kafka") ? builder.AddExternalKafka("kafka")
    : publish ? builder.AddKafkaContainer("kafka")
    : builder.AddEmbeddedKafka("kafka", builder.Configuration.GetValue(KafkaBuilderExtensions.BrokersSetting, KafkaBuilderExtensions.DefaultBrokers));
IResourceBuilder<IResourceWithConnectionString> coupondb = External("coupondb") ? builder.AddExternalMySqlDatabase("coupondb")
    : publish ? builder.AddMySqlContainerDatabase("mysql", "coupondb")
    : builder.AddMariaDbDatabase("mysql", "coupondb");


var operatorTokenKey = builder.AddTokenKey(DevelopmentTokens.OperatorKeyName);
var operatorPassword = builder.AddParameter("admin-operator-password",
    new GenerateParameterDefault { MinLength = 22, Special = false }, secret: true, persist: true);

// The api owns the database migrations; the worker drains what the api produced before Kafka stops.
var api = builder.AddProject<Projects.Coupon_Api>("api")
    .WithLocalHttpEndpoint(port: builder.Configuration.GetValue("AppHost:ApiPort", 5180))
    .WithReference(redis).WithReference(kafka).WithReference(coupondb)
    .WaitFor(redis).WaitFor(kafka).WaitFor(coupondb)
    .WithTokenTrust(builder.AddPublicKey(DevelopmentTokens.UserKeyName), builder.AddPublicKey(DevelopmentTokens.OperatorKeyName))
    .WithQuickTiering()
    .WithReplicas(builder.Configuration.GetValue("AppHost:ApiReplicas", 1))
    .WithExternalHttpEndpoints();

builder.AddProject<Projects.Coupon_Worker>("worker")
    .WithLocalHttpEndpoint()
    .WithReference(redis).WithReference(kafka).WithReference(coupondb)
    .WaitFor(redis).WaitFor(kafka).WaitFor(coupondb).WaitFor(api)
    .WithReplicas(builder.Configuration.GetValue("AppHost:WorkerReplicas", 1));

builder.AddProject<Projects.Coupon_Admin>("admin")
    .WithLocalHttpEndpoint(port: builder.Configuration.GetValue("AppHost:AdminPort", 5190))
    .WithReference(api).WaitFor(api)
    // The operators' key only: the console mints operator tokens and no user's.
    .WithEnvironment("Admin__OperatorTokenKey", operatorTokenKey)
    .WithEnvironment("Admin__Operator__UserName", DevelopmentTokens.OperatorUserName)
    .WithEnvironment("Admin__Operator__Password", operatorPassword)
    .WithExternalHttpEndpoints();

OrderedShutdown.Register(builder);

await builder.Build().RunAsync();
return 0;
