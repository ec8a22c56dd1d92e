// Earth sphere (smile_viewer._vispy.visuals.earth.EarthVisual).
// Vertices are unit vectors in GEO (R_E units); the node's transform rotates GEO into the
// scene frame (GSE/GSM) at the scene time, so the texture (longitude/latitude in GEO) lands
// where it belongs.
attribute vec3 a_position;
attribute vec2 a_texcoord;

varying vec3 v_geo;        // position on the unit sphere, GEO
varying vec2 v_texcoord;   // (longitude, latitude) mapped to [0,1]^2, row 0 = north
varying vec3 v_eye_geo;    // unit vector from the surface point towards the viewer, GEO

void main() {
    v_geo = a_position;
    v_texcoord = a_texcoord;
    gl_Position = $transform(vec4(a_position, 1.0));

    // Direction to the viewer (per vertex, so that perspective is accounted for):
    // step along the document-space depth axis and map both points back to GEO.
    vec4 pos_doc = $visual_to_doc(vec4(a_position, 1.0));
    pos_doc /= pos_doc.w;
    vec4 front = pos_doc;
    vec4 back = pos_doc;
    front.z -= 1e-5;
    back.z += 1e-5;
    front = $doc_to_visual(front);
    back = $doc_to_visual(back);
    v_eye_geo = normalize(front.xyz / front.w - back.xyz / back.w);
}
