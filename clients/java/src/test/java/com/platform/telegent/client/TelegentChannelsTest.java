package com.platform.telegent.client;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.gson.Gson;
import com.google.gson.reflect.TypeToken;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The service config the channel builder applies is the one the repository publishes. */
class TelegentChannelsTest {
  @Test
  void appliesThePublishedServiceConfig() throws Exception {
    Path published = Path.of(System.getProperty("telegent.serviceConfigFile", "../../service_config.json"));
    Map<String, Object> expected;
    try (Reader reader = Files.newBufferedReader(published, StandardCharsets.UTF_8)) {
      expected = new Gson().fromJson(reader, new TypeToken<Map<String, Object>>() {}.getType());
    }

    assertEquals(expected, TelegentChannels.serviceConfig());

    @SuppressWarnings("unchecked")
    Map<String, ?> method = ((List<Map<String, ?>>) TelegentChannels.serviceConfig().get("methodConfig")).get(0);
    @SuppressWarnings("unchecked")
    Map<String, ?> retry = (Map<String, ?>) method.get("retryPolicy");
    assertEquals(List.of("UNAVAILABLE"), retry.get("retryableStatusCodes"));
  }
}
