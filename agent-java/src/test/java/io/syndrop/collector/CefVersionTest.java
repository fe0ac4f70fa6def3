package io.syndrop.collector;

import io.syndrop.format.Cef;
import io.syndrop.proto.v1.DropEvent;
import io.syndrop.proto.v1.WatchItem;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

class CefVersionTest {
    @Test
    void deviceVersionIsThePomVersion() {
        String pom = System.getProperty("syndrop.version");
        assertNotNull(pom, "surefire passes the pom's project.version as syndrop.version (agent-java/pom.xml)");
        String cef = Cef.format(WatchItem.newBuilder().setEvent(DropEvent.newBuilder().setSrcAddr("192.0.2.1")).build());
        assertEquals(pom, CefParser.parse(cef).header.get(3), cef);
    }
}
