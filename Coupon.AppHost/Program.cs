using Coupon.AppHost.Hosting;
using Coupon.AppHost.Kafka;
using Coupon.AppHost.MySql;
using Coupon.AppHost.Redis;

if (args is ["token", .. var tokenArguments])
    return await DevelopmentTokens.RunTokenCommandAsync(tokenArguments);

var builder = DistributedApplication.CreateBuilder(StateFolder.WithoutFreshSwitch(args));
builder.WipeStateWhenFresh(args);

var redis = builder.AddRedisServer("redis");
var kafka = builder.AddKafkaBroker("kafka");
var coupondb = builder.AddMySqlDatabase("mysql", "coupondb");

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

ProjectEnvironment.FromAppHost(builder);
OrderedShutdown.Register(builder);

await builder.Build().RunAsync();
return 0;
