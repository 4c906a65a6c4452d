using Coupon.AppHost.Demo;
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
var operatorPassword = builder.AddParameter(DevelopmentTokens.OperatorPasswordName,
    new GenerateParameterDefault { MinLength = 22, Special = false }, secret: true, persist: true);

var servers = new CouponServers(redis, kafka, coupondb);
var api = builder.AddApi("api", servers, port: builder.Configuration.GetValue("AppHost:ApiPort", 5180))
    .WithDemoFlashSale()
    .WithReplicas(builder.Configuration.GetValue("AppHost:ApiReplicas", 1))
    .WithExternalHttpEndpoints();
builder.AddWorker("worker", servers, api)
    .WithReplicas(builder.Configuration.GetValue("AppHost:WorkerReplicas", 1));
builder.AddAdmin("admin", api, operatorTokenKey, operatorPassword, port: builder.Configuration.GetValue("AppHost:AdminPort", 5190))
    .WithExternalHttpEndpoints();

OrderedShutdown.Register(builder);

await builder.Build().RunAsync();
return 0;
